import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { HostKeyMismatchError, SshTimeoutError } from '../../../pkg/infra/ssh/errors.js';
import { openSession } from '../../../pkg/infra/ssh/session.js';
import { putFile } from '../../../pkg/infra/ssh/upload.js';
import { describeWithSshHosts, startSshHosts, type SshHosts } from './ssh-hosts.js';

jest.setTimeout(120_000);

describeWithSshHosts('an SSH session to a host with a pinned key', () => {
  let net: SshHosts;
  beforeAll(async () => {
    net = await startSshHosts(3);
  });
  afterAll(async () => {
    await net?.stop();
  });

  it('runs commands on each host, from its own network namespace, and reports exit codes and stderr', async () => {
    for (const h of net.hosts) {
      const t0 = performance.now();
      const s = await openSession(h.target());
      try {
        const r = await s.exec('cat /sys/class/net/eth0/address; echo oops >&2; exit 3', { timeoutMs: 10_000 });
        const ms = performance.now() - t0;
        console.log(`connect+exec ${h.name}: ${ms.toFixed(0)} ms`);
        expect(r).toEqual({ code: 3, signal: undefined, stdout: `${h.mac}\n`, stderr: 'oops\n' });
        expect(await s.run('cat', { timeoutMs: 10_000, stdin: 'from stdin' })).toBe('from stdin');
      } finally {
        await s.close();
      }
    }
  });

  it('refuses a host that presents another key than the pinned one, naming both fingerprints and the fix, and writes nothing', async () => {
    const [a, b] = net.hosts as [SshHosts['hosts'][0], SshHosts['hosts'][0]];
    const fp = (dir: string) => execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${dir}/ssh_host_ed25519_key.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    const hint = 'if the host was reinstalled, update nodes[1].baremetal.sshHostKey';
    const err = await openSession(b.target({ hostKey: a.hostKey, mismatchHint: hint })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    const e = err as HostKeyMismatchError;
    expect(e.message).toBe(`node h1 (${b.ip}:22): host key mismatch: expected ${fp(a.dir)} (ssh-ed25519), the host presented ${fp(b.dir)}; refusing to connect (nothing was sent)`);
    expect(e.hint).toBe(hint);
    // the refused key never got as far as a file: putFile could not even start
    expect(await readdir(b.root)).toEqual([]);
    const ok = await openSession(b.target());
    await expect(putFile(ok, { path: `${b.root}/ok`, content: Buffer.from('x'), mode: 0o644 })).resolves.toMatchObject({ outcome: 'created' });
    await ok.close();
  });

  it('names the wait when a command outlives its bound, and stops it', async () => {
    const h = net.hosts[0]!;
    const s = await openSession(h.target());
    try {
      const err = await s.exec(`echo $$ > ${h.dir}/sleeper.pid; exec sleep 30`, { timeoutMs: 500, what: 'the sleeper' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshTimeoutError);
      expect((err as Error).message).toBe(`node h0 (${h.ip}:22): timed out after 500 ms waiting for the sleeper`);
      // the session is still usable, and the sleeper is gone (signalled, or hung up on)
      const pid = (await s.run(`cat ${h.dir}/sleeper.pid`, { timeoutMs: 5_000 })).trim();
      const deadline = Date.now() + 5_000;
      while ((await s.exec(`kill -0 ${pid}`, { timeoutMs: 5_000 })).code === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await s.exec(`kill -0 ${pid}`, { timeoutMs: 5_000 })).code).not.toBe(0);
    } finally {
      await s.close();
    }
  });

  it('names the connect bound when a host accepts TCP but never answers', async () => {
    const h = net.hosts[2]!;
    process.kill(h.pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const err = await openSession(h.target(), { connectTimeoutMs: 800 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshTimeoutError);
      expect((err as Error).message).toBe(`node h2 (${h.ip}:22): timed out after 800 ms connecting over SSH (TCP connect, handshake and authentication)`);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      process.kill(h.pid, 'SIGCONT');
    }
  });

  it('says when the host refuses the client key', async () => {
    const h = net.hosts[0]!;
    const other = execFileSync('sh', ['-c', `ssh-keygen -q -t ed25519 -N '' -f ${h.dir}/other_key && cat ${h.dir}/other_key`], { encoding: 'utf8' });
    await expect(openSession(h.target({ privateKey: other }))).rejects.toThrow(`node h0 (${h.ip}:22): the host refused the key for user root`);
  });
});
