/**
 * Pinned SSH host keys: an OpenSSH public-key line (`ssh-ed25519 AAAA… comment`) parsed to its
 * key blob, and fingerprints printed the way OpenSSH prints them (`SHA256:` and unpadded
 * base64), so a mismatch message can be checked against `ssh-keygen -lf` on the host.
 */
import { sshFingerprint } from '../../ssh-key-format.js';
import { ExitCode, NkdError } from '../../ui/errors.js';

/** A pinned host key: its type, the raw key blob the server must present, and its fingerprint. */
export interface PinnedHostKey {
  type: string;
  blob: Buffer;
  fingerprint: string;
}

/** The host-key algorithms a client may offer for a key of each type (rsa keys sign with SHA-2). */
const ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
};

/** `SHA256:<base64 without padding>` of a key blob, as `ssh-keygen -l` prints it. */
export const fingerprint = sshFingerprint;

/** The key type written inside a blob (its first SSH string), or undefined if the blob is not one. */
export function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  return n > 0 && n <= 64 && 4 + n <= blob.length ? blob.subarray(4, 4 + n).toString('latin1') : undefined;
}

/**
 * Parses a pinned host key line. `field` names where it came from in error messages
 * (e.g. `nodes[2].baremetal.sshHostKey`).
 */
export function parseHostKey(line: string, field: string): PinnedHostKey {
  const refuse = (why: string) =>
    new NkdError(`${field}: ${why}`, {
      code: ExitCode.Usage,
      hint: 'give the host key as one OpenSSH public-key line, e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host',
    });
  const words = line.trim().split(/\s+/);
  if (words.length < 2 || words[0] === '') throw refuse('expected "<type> <base64 key> [comment]"');
  const [type, b64] = words as [string, string];
  if (!ALGORITHMS[type]) throw refuse(`unsupported key type "${type}" (supported: ${Object.keys(ALGORITHMS).join(', ')})`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw refuse('the key is not base64');
  const blob = Buffer.from(b64, 'base64');
  const inner = blobType(blob);
  if (inner !== type) throw refuse(`the key says it is "${inner ?? 'unreadable'}" but the line says "${type}"`);
  return { type, blob, fingerprint: fingerprint(blob) };
}

/** The host-key algorithms to offer so that the server presents the pinned key's type. */
export function hostKeyAlgorithms(key: PinnedHostKey): string[] {
  return ALGORITHMS[key.type]!;
}
