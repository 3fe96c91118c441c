import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { base64DataUrl, gzipDataUrl, percentDataUrl } from '../../../pkg/ignition/data-url.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { applyIgnition } from '../../../pkg/infra/ssh/apply.js';
import { openSession, type SshSession } from '../../../pkg/infra/ssh/session.js';
import { describeWithSshHosts, startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

jest.setTimeout(120_000);

const UNIT = '[Unit]\nDescription=nkd first boot\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/nkd-first-boot\n[Install]\nWantedBy=multi-user.target\n';

/** A node-like config: 17 plain files, a secret, a gzip file, a base64 file, a unit with a drop-in, a directory and a password hash. */
function nodeConfig(): IgnitionConfig {
  const files = Array.from({ length: 17 }, (_, i) => ({ path: `/etc/nkd/conf-${String(i).padStart(2, '0')}.yaml`, overwrite: true, mode: 0o644, contents: { source: percentDataUrl(`index: ${i}\nname: "conf ${i}" 100%\n`) } }));
  return {
    ignition: { version: '3.3.0' },
    storage: {
      directories: [{ path: '/var/lib/etcd', mode: 0o700 }],
      files: [
        ...files,
        { path: '/etc/kubernetes/pki/ca.key', overwrite: true, mode: 0o600, contents: { source: base64DataUrl('-----BEGIN EC PRIVATE KEY-----\nsecret\n') } },
        { path: '/etc/kubernetes/big.yaml', overwrite: true, mode: 0o640, group: { name: 'nogroup' }, contents: { source: gzipDataUrl('x: 1\n'.repeat(2000)), compression: 'gzip' } },
        { path: '/usr/local/bin/nkd-first-boot', overwrite: true, mode: 0o755, user: { name: 'nobody' }, contents: { source: percentDataUrl('#!/bin/sh\necho hi\n') } },
      ],
    },
    systemd: { units: [{ name: 'nkd-first-boot.service', enabled: true, contents: UNIT, dropins: [{ name: '10-env.conf', contents: '[Service]\nEnvironment=A=1\n' }] }] },
    passwd: { users: [{ name: 'nest', passwordHash: '$6$salt$hash' }] },
  };
}

describeWithSshHosts('applying an Ignition config over SSH', () => {
  let net: SshHosts;
  let h: SshHost;
  let s: SshSession;
  beforeAll(async () => {
    net = await startSshHosts(2);
    h = net.hosts[0]!;
    s = await openSession(h.target());
    // the host's own account files (the test hosts share the machine's /etc)
    await mkdir(`${h.root}/etc`, { recursive: true });
    await writeFile(`${h.root}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\nnest:x:1000:1000::/home/nest:/bin/sh\n');
    await writeFile(`${h.root}/etc/group`, 'root:x:0:\nnest:x:1000:\n');
    await writeFile(`${h.root}/etc/shadow`, 'root:*:19000:0:99999:7:::\nnest:!:19000:0:99999:7:::\n', { mode: 0o640 });
  });
  afterAll(async () => {
    await s?.close();
    await net?.stop();
  });

  it('lands every file with contents, mode and owner, enables the unit, sets the password, and a second apply changes nothing', async () => {
    const t0 = performance.now();
    const first = await applyIgnition(s, nodeConfig(), { root: h.root, start: 'nkd-first-boot.service' });
    const t1 = performance.now();
    expect(first.changed).toBe(true);
    expect(first.files).toHaveLength(22);
    expect(first.files.every((f) => f.outcome === 'created')).toBe(true);
    expect(await readFile(`${h.root}/etc/nkd/conf-07.yaml`, 'utf8')).toBe('index: 7\nname: "conf 7" 100%\n');
    expect(await readFile(`${h.root}/etc/kubernetes/big.yaml`, 'utf8')).toBe('x: 1\n'.repeat(2000));
    const mode = async (p: string) => {
      const st = await stat(`${h.root}${p}`);
      return [(st.mode & 0o7777).toString(8), st.uid, st.gid];
    };
    expect(await mode('/etc/kubernetes/pki/ca.key')).toEqual(['600', 0, 0]);
    expect(await mode('/etc/nkd/conf-00.yaml')).toEqual(['644', 0, 0]);
    expect(await mode('/etc/kubernetes/big.yaml')).toEqual(['640', 0, 65534]);
    expect(await mode('/usr/local/bin/nkd-first-boot')).toEqual(['755', 65534, 0]);
    expect(await mode('/var/lib/etcd')).toEqual(['700', 0, 0]);
    expect(await readFile(`${h.root}/etc/systemd/system/nkd-first-boot.service.d/10-env.conf`, 'utf8')).toBe('[Service]\nEnvironment=A=1\n');
    // systemctl --root really enabled it: the [Install] link exists
    const link = `${h.root}/etc/systemd/system/multi-user.target.wants/nkd-first-boot.service`;
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('/etc/systemd/system/nkd-first-boot.service');
    expect(first.systemctl).toEqual([
      { command: 'systemctl daemon-reload', ran: false, why: 'the root is not the running system' },
      { command: `systemctl --root='${h.root}' enable -- 'nkd-first-boot.service'`, ran: true, changed: true },
      { command: "systemctl start --no-block -- 'nkd-first-boot.service'", ran: false, why: 'the root is not the running system' },
    ]);
    expect(first.passwords).toEqual([{ name: 'nest', outcome: 'set' }]);
    expect((await readFile(`${h.root}/etc/shadow`, 'utf8')).split('\n')[1]).toMatch(/^nest:\$6\$salt\$hash:/);

    const t2 = performance.now();
    const again = await applyIgnition(s, nodeConfig(), { root: h.root, start: 'nkd-first-boot.service' });
    const t3 = performance.now();
    console.log(`apply of ${first.files.length} files: ${(t1 - t0).toFixed(0)} ms; re-apply (all unchanged): ${(t3 - t2).toFixed(0)} ms`);
    expect(again.changed).toBe(false);
    expect(again.files.map((f) => f.outcome)).toEqual(Array(22).fill('unchanged'));
    expect(again.directories).toEqual([{ path: `${h.root}/var/lib/etcd`, outcome: 'unchanged' }]);
    expect(again.passwords).toEqual([{ name: 'nest', outcome: 'unchanged' }]);
    expect(again.systemctl.map((x) => [x.command.split(' -- ')[0], x.ran, x.changed ?? false])).toEqual([
      [`systemctl --root='${h.root}' enable`, true, false],
      ['systemctl start --no-block', false, false],
    ]);
  });

  it('only lists the systemctl steps when told to skip them (a host without systemd)', async () => {
    const other = net.hosts[1]!;
    const s1 = await openSession(other.target());
    try {
      const cfg: IgnitionConfig = { ignition: { version: '3.3.0' }, systemd: { units: [{ name: 'a.service', enabled: true, contents: UNIT }, { name: 'b.service', enabled: false }, { name: 'c.service', mask: true }] } };
      const r = await applyIgnition(s1, cfg, { root: other.root, systemctl: 'skip', start: 'a.service' });
      expect(r.systemctl).toEqual([
        { command: 'systemctl daemon-reload', ran: false, why: 'the root is not the running system' },
        { command: `systemctl --root='${other.root}' enable -- 'a.service'`, ran: false, why: 'systemctl: skip was asked' },
        { command: `systemctl --root='${other.root}' disable -- 'b.service'`, ran: false, why: 'systemctl: skip was asked' },
        { command: `systemctl --root='${other.root}' mask -- 'c.service'`, ran: false, why: 'systemctl: skip was asked' },
        { command: "systemctl start --no-block -- 'a.service'", ran: false, why: 'the root is not the running system' },
      ]);
      await expect(readdir(`${other.root}/etc/systemd/system`)).resolves.toEqual(['a.service']);
    } finally {
      await s1.close();
    }
  });

  it('refuses, naming each path, what cannot be applied over SSH, and writes nothing', async () => {
    const other = net.hosts[1]!;
    const s1 = await openSession(other.target());
    try {
      const before = await readdir(other.root);
      const cfg = {
        ignition: { version: '3.3.0' },
        storage: {
          files: [
            { path: '/etc/ok', contents: { source: 'data:,fine' } },
            { path: '/etc/remote', contents: { source: 'https://example.invalid/x', verification: { hash: 'sha512-00' } } },
            { path: '/etc/appended', append: [{ source: 'data:,more' }] },
            { path: '/etc/xz', contents: { source: 'data:,abc', compression: 'xz' } },
          ],
        },
      } as unknown as IgnitionConfig;
      const err = await applyIgnition(s1, cfg, { root: other.root }).catch((e: unknown) => e);
      expect((err as Error).message).toBe('the Ignition config cannot be applied over SSH as it is (3 fields)');
      expect((err as { details: string[] }).details).toEqual([
        'storage.files[1] (/etc/remote): contents.source "https://example.invalid/x" is not a data: URL; only inline contents can be applied over SSH',
        'storage.files[2] (/etc/appended): append cannot be applied over SSH (it is not idempotent); give the whole contents',
        'storage.files[3] (/etc/xz): contents.compression "xz" is not supported (none or gzip)',
      ]);
      expect(await readdir(other.root)).toEqual(before);
    } finally {
      await s1.close();
    }
  });

  it('will not overwrite a different file that the config does not allow it to replace', async () => {
    await mkdir(`${h.root}/etc/keep`, { recursive: true });
    await writeFile(`${h.root}/etc/keep/local.conf`, 'admin edit\n');
    const cfg: IgnitionConfig = { ignition: { version: '3.3.0' }, storage: { files: [{ path: '/etc/keep/local.conf', contents: { source: 'data:,nkd' } }] } };
    await expect(applyIgnition(s, cfg, { root: h.root })).rejects.toThrow(`${h.root}/etc/keep/local.conf exists with other contents and may not be overwritten`);
    expect(await readFile(`${h.root}/etc/keep/local.conf`, 'utf8')).toBe('admin edit\n');
  });
});
