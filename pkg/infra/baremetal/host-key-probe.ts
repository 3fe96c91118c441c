/**
 * Whether a host answers SSH with the host key nkd made for it — read from the SSH handshake
 * alone, before any authentication, so it needs no login: nkd learns that the installed system
 * is up and that it is the host that took this node's secret bundle (only that host holds the
 * private key). The connection is dropped right after the key is seen.
 */
import { Client } from 'ssh2';
import { publicKeyBlob, sshFingerprint } from '../../ssh-key-format.js';

/** What a probe saw. */
export type ProbeResult =
  | { kind: 'pinned' }
  | { kind: 'other-key'; fingerprint: string }
  | { kind: 'no-answer'; why: string };


/** Connects to `host`:`port`, compares the presented host key with `pinned` (a public key line), disconnects. */
export function probeHostKey(host: string, port: number, pinned: string, timeoutMs = 10_000): Promise<ProbeResult> {
  const want = publicKeyBlob(pinned);
  const algorithm = pinned.trim().split(/\s+/)[0] ?? 'ssh-ed25519';
  return new Promise((resolve) => {
    const c = new Client();
    let seen: ProbeResult | undefined;
    const done = (r: ProbeResult): void => {
      seen ??= r;
      c.end();
      resolve(seen);
    };
    c.on('error', (e: Error & { code?: string; level?: string }) => done(seen ?? { kind: 'no-answer', why: e.code ?? e.message }));
    c.on('close', () => done(seen ?? { kind: 'no-answer', why: 'the connection closed before a host key was seen' }));
    c.on('ready', () => done(seen ?? { kind: 'no-answer', why: 'no host key was seen' }));
    c.connect({
      host, port, username: 'nkd-host-key-probe', readyTimeout: timeoutMs,
      // ask for the pinned key's algorithm, so a host with several keys presents that one
      algorithms: { serverHostKey: [algorithm as 'ssh-ed25519'] },
      hostVerifier: (key: Buffer) => {
        seen = key.equals(want) ? { kind: 'pinned' } : { kind: 'other-key', fingerprint: sshFingerprint(key) };
        return false; // never go on to authenticate: the key was all nkd wanted
      },
    });
  });
}
