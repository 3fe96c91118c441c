/**
 * The SSH host keys render makes on platforms nkd reaches over SSH (bare metal), checked by
 * OpenSSH itself: ssh-keygen reads the private key nkd wrote and derives the same public key
 * and fingerprint; sshd loads it as a host key. A re-render keeps each key (the pinned key does
 * not change under the hosts); the private key travels only in the node's secret bundle.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { renderCluster } from '../../../pkg/assets/render.js';
import { KNOWN_HOSTS_PATH, sshHostKeyPath } from '../../../pkg/assets/ssh-assets.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { seedOf, sshHostKeyFromSeed } from '../../../pkg/pki/ssh-host-key.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { decodeResource } from '../../unit/ignition/decode.js';

jest.setTimeout(120_000);
const run = promisify(execFile);
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-ssh-host-keys-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const bareMetal = () => validClusterConfig((d) => {
  delete d.spec.libvirt;
  d.spec.platform = 'baremetal';
  d.spec.baremetal = { httpAddress: '10.231.0.2' };
});
const fileIn = (cfg: IgnitionConfig, path: string) => cfg.storage?.files?.find((f) => f.path === path);

describe('SSH host keys on bare metal', () => {
  test('OpenSSH reads the key nkd wrote: ssh-keygen derives the same public key and fingerprint, sshd loads it', async () => {
    const dir = join(scratch, 'a');
    await renderCluster(await bareMetal(), { dir }, goldenRenderDeps());
    const key = join(dir, sshHostKeyPath('master-1'));
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(`${key}.pub`)).mode & 0o777).toBe(0o644);
    const pub = (await readFile(`${key}.pub`, 'utf8')).trim();
    expect(pub).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ nkd:demo\/master-1$/);
    expect((await run('ssh-keygen', ['-y', '-f', key])).stdout.trim()).toBe(pub);
    const ours = sshHostKeyFromSeed(seedOf(await readFile(key, 'utf8'))!, 'nkd:demo/master-1');
    expect((await run('ssh-keygen', ['-l', '-f', `${key}.pub`])).stdout).toContain(ours.fingerprint);
    await mkdir('/run/sshd', { recursive: true });
    const conf = join(scratch, 'sshd_config');
    await writeFile(conf, `HostKey ${key}\nListenAddress 127.0.0.1:1\n`);
    await expect(run('/usr/sbin/sshd', ['-t', '-f', conf])).resolves.toBeDefined();
    const known = await readFile(join(dir, KNOWN_HOSTS_PATH), 'utf8');
    expect(known.split('\n')[0]).toBe(`master-1,10.231.0.11 ${pub}`);
  });

  test('the private key is in the secret bundle (0600 on the host), the first stage carries only the public key', async () => {
    const dir = join(scratch, 'b');
    const r = await renderCluster(await bareMetal(), { dir }, goldenRenderDeps());
    const node = r.nodes.find((n) => n.name === 'worker-1')!;
    const first = JSON.parse(await readFile(node.ignitionPath, 'utf8')) as IgnitionConfig;
    const bundle = JSON.parse(await readFile(node.secretBundle!.path, 'utf8')) as IgnitionConfig;
    expect(fileIn(first, '/etc/ssh/ssh_host_ed25519_key')).toBeUndefined();
    expect(fileIn(first, '/etc/ssh/ssh_host_ed25519_key.pub')?.mode).toBe(0o644);
    const priv = fileIn(bundle, '/etc/ssh/ssh_host_ed25519_key')!;
    expect(priv.mode).toBe(0o600);
    expect(decodeResource(priv.contents!).toString()).toBe(await readFile(join(dir, sshHostKeyPath('worker-1')), 'utf8'));
  });

  test('a re-render keeps every host key, whatever its randomness', async () => {
    const dir = join(scratch, 'c');
    const config = await bareMetal();
    await renderCluster(config, { dir }, goldenRenderDeps());
    const before = await readFile(join(dir, sshHostKeyPath('master-1')), 'utf8');
    await renderCluster(config, { dir }, goldenRenderDeps('another seed: a new key would differ'));
    expect(await readFile(join(dir, sshHostKeyPath('master-1')), 'utf8')).toBe(before);
  });

  test('an existing host keeps its own key: render makes none for it, its config carries none, known_hosts lists the key the cluster file pins', async () => {
    const dir = join(scratch, 'e');
    const own = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA24R+KseoNpmpmPqRiQ49lucvka6YLzX2ekjIIvxjF+ worker-1-own';
    await writeFile(join(scratch, 'client_key'), 'a private key\n', { mode: 0o600 });
    const config = await validClusterConfig((d) => {
      delete d.spec.libvirt;
      d.spec.platform = 'baremetal';
      d.spec.baremetal = { httpAddress: '10.231.0.2', ssh: { privateKeyFile: join(scratch, 'client_key') } };
      d.spec.nodes[1].baremetal = { provision: 'existing', os: 'linux', sshHostKey: own };
    });
    const r = await renderCluster(config, { dir }, goldenRenderDeps());
    await expect(stat(join(dir, sshHostKeyPath('worker-1')))).rejects.toThrow(/ENOENT/);
    const node = r.nodes.find((n) => n.name === 'worker-1')!;
    expect(node.sshHostKey).toBe(own);
    for (const file of [node.ignitionPath, node.secretBundle!.path]) {
      const cfg = JSON.parse(await readFile(file, 'utf8')) as IgnitionConfig;
      expect(cfg.storage?.files?.filter((f) => f.path.startsWith('/etc/ssh/')) ?? []).toEqual([]);
    }
    const master = (await readFile(join(dir, `${sshHostKeyPath('master-1')}.pub`), 'utf8')).trim();
    expect(await readFile(join(dir, KNOWN_HOSTS_PATH), 'utf8')).toBe(`master-1,10.231.0.11 ${master}\nworker-1,10.231.0.21 ${own}\n`);
  });

  test('libvirt renders no SSH host keys (nkd does not SSH to its machines)', async () => {
    const dir = join(scratch, 'd');
    await renderCluster(await validClusterConfig(), { dir }, goldenRenderDeps());
    await expect(stat(join(dir, 'pki/ssh'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(dir, KNOWN_HOSTS_PATH))).rejects.toThrow(/ENOENT/);
  });
});
