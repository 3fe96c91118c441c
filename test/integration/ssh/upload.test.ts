import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSession, type SshSession } from '../../../pkg/infra/ssh/session.js';
import { putDirectory, putFile, putFiles } from '../../../pkg/infra/ssh/upload.js';
import { describeWithSshHosts, startSshHosts, type SshHosts } from './ssh-hosts.js';

jest.setTimeout(120_000);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeWithSshHosts('putting files on a host over SSH', () => {
  let net: SshHosts;
  let s: SshSession;
  let root: string;
  beforeAll(async () => {
    net = await startSshHosts(1);
    root = net.hosts[0]!.root;
    s = await openSession(net.hosts[0]!.target());
  });
  afterAll(async () => {
    await s?.close();
    await net?.stop();
  });

  it('lands contents, modes and owners, creates parents 0755, and reports a second put as unchanged', async () => {
    const secret = { path: `${root}/etc/kubernetes/pki/ca.key`, content: Buffer.from('-----BEGIN PRIVATE KEY-----\nxyz\n'), mode: 0o600 };
    const conf = { path: `${root}/etc/kubernetes/kubeadm.yaml`, content: Buffer.from('kind: InitConfiguration\n'), mode: 0o644, owner: 'nobody', group: 'nogroup' };
    expect(await putFiles(s, [secret, conf])).toEqual([
      { path: secret.path, outcome: 'created', changes: ['contents'], removedTemps: [] },
      { path: conf.path, outcome: 'created', changes: ['contents'], removedTemps: [] },
    ]);
    expect(await readFile(secret.path, 'utf8')).toBe('-----BEGIN PRIVATE KEY-----\nxyz\n');
    const sk = await stat(secret.path);
    expect([sk.mode & 0o7777, sk.uid, sk.gid]).toEqual([0o600, 0, 0]);
    const sc = await stat(conf.path);
    expect([sc.mode & 0o7777, sc.uid, sc.gid]).toEqual([0o644, 65534, 65534]);
    expect((await stat(`${root}/etc/kubernetes/pki`)).mode & 0o7777).toBe(0o755);
    expect(await putFiles(s, [secret, conf])).toEqual([
      { path: secret.path, outcome: 'unchanged', changes: [], removedTemps: [] },
      { path: conf.path, outcome: 'unchanged', changes: [], removedTemps: [] },
    ]);
  });

  it('fixes only the mode and owner in place when the contents match, and replaces changed contents', async () => {
    const path = `${root}/etc/meta.conf`;
    await putFile(s, { path, content: Buffer.from('a\n'), mode: 0o644 });
    const before = (await stat(path)).ino;
    expect(await putFile(s, { path, content: Buffer.from('a\n'), mode: 0o600, owner: 'daemon' })).toEqual({ path, outcome: 'metadata', changes: ['mode 644 → 600', 'owner root → daemon'], removedTemps: [] });
    const st = await stat(path);
    expect([st.ino, st.mode & 0o7777, st.uid]).toEqual([before, 0o600, 1]);
    expect(await putFile(s, { path, content: Buffer.from('b\n'), mode: 0o600, owner: 'daemon' })).toMatchObject({ outcome: 'replaced', changes: ['contents'] });
    expect((await stat(path)).ino).not.toBe(before); // a new inode: renamed over, not rewritten
    expect(await readFile(path, 'utf8')).toBe('b\n');
  });

  it('converges after a connection dropped in the middle of a large upload, and clears the temp files left behind', async () => {
    const dir = `${root}/var/lib/big`;
    const path = `${dir}/image.bin`;
    const content = randomBytes(48 * 2 ** 20);
    const cut = await openSession(net.hosts[0]!.target());
    const upload = putFile(cut, { path, content, mode: 0o644 }).catch((e: unknown) => e);
    // wait until the temp file on the host holds part of the data, then drop the connection
    const deadline = Date.now() + 30_000;
    for (;;) {
      const temps = (await readdir(dir).catch(() => [])).filter((n) => n.startsWith('.image.bin.nkd-'));
      const size = temps.length ? (await stat(join(dir, temps[0]!)).catch(() => ({ size: 0 }))).size : 0;
      if (size > 0 && size < content.length) break;
      if (Date.now() > deadline) throw new Error('the upload never got under way');
      await new Promise((r) => setTimeout(r, 5));
    }
    cut.destroy();
    expect(String(await upload)).toBe(`NkdError: node h0 (${net.hosts[0]!.ip}:22): writing ${path} (${content.length} bytes): the connection closed before the command finished`);
    await expect(stat(path)).rejects.toThrow(/ENOENT/); // the target never saw a partial file
    // a stale temp from an even earlier run, too
    const planted = join(dir, '.image.bin.nkd-0123456789ab');
    await writeFile(planted, 'stale');
    // the cut run's own temp may still be there, or its script may have removed it on the way out
    const stale = (await readdir(dir)).filter((n) => n.startsWith('.image.bin.nkd-')).map((n) => join(dir, n));
    const again = await putFile(s, { path, content, mode: 0o644 });
    expect(again.outcome).toBe('created');
    expect(again.removedTemps).toContain(planted);
    for (const t of again.removedTemps) expect(stale).toContain(t);
    expect(sha(await readFile(path))).toBe(sha(content));
    expect(await readdir(dir)).toEqual(['image.bin']);
  });

  it('refuses a path that is a directory, naming it', async () => {
    await mkdir(`${root}/etc/isdir`, { recursive: true });
    await expect(putFile(s, { path: `${root}/etc/isdir`, content: Buffer.from('x'), mode: 0o644 })).rejects.toThrow(`node h0 (${net.hosts[0]!.ip}:22): ${root}/etc/isdir is a directory, not a regular file`);
  });

  it('makes directories with their mode and owner, and says when nothing changed', async () => {
    const path = `${root}/var/lib/etcd`;
    expect(await putDirectory(s, { path, mode: 0o700, owner: 'nobody', group: 'nogroup' })).toBe('created');
    const st = await stat(path);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o700, 65534, 65534]);
    expect(await putDirectory(s, { path, mode: 0o700, owner: 65534, group: 'nogroup' })).toBe('unchanged');
    expect(await putDirectory(s, { path, mode: 0o750, owner: 'root' })).toBe('updated');
    const after = await stat(path);
    expect([after.mode & 0o7777, after.uid, after.gid]).toEqual([0o750, 0, 65534]);
  });
});
