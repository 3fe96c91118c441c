// Every golden fixture rendered for each platform whose first config others may read (OpenStack
// user data, bare metal's served config): the first stage carries no private key, token,
// kubeconfig or password hash; the secret bundle carries them, is 0600 and is what the first
// stage merges (source and SHA-512); first stage + bundle hold every file of the whole config.
import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { renderCluster } from '../../../pkg/assets/render.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import { mergeIgnition } from '../../../pkg/ignition/merge.js';
import { sha512Hex } from '../../../pkg/ignition/pointer.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { allPlatforms } from '../../../pkg/infra/registry.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { GOLDEN_DIR, goldenFixtures } from '../../golden/tree.js';
import { decodeResource } from '../ignition/decode.js';

jest.setTimeout(120_000);

const fixtures = await goldenFixtures();
const twoStage = allPlatforms().filter((p) => p.boot.kind === 'two-stage').map((p) => p.name);

/** A fixture's cluster file moved to `platform` (its own section in place of libvirt's). */
function onPlatform(doc: any, platform: string): any {
  const d = structuredClone(doc);
  delete d.spec.libvirt;
  d.spec.platform = platform;
  if (platform === 'baremetal') d.spec.baremetal = { httpAddress: '10.231.9.1', httpPort: 9080 };
  if (platform === 'openstack') d.spec.openstack = { cloud: 'nkd-test', image: 'nestos', bootServer: { address: '10.231.9.1', port: 9081 } };
  d.spec.nodes.forEach((n: any, i: number) => (n.mac ??= `52:54:00:00:09:${(i + 1).toString(16).padStart(2, '0')}`));
  return d;
}

const files = (cfg: IgnitionConfig): Map<string, string> => new Map((cfg.storage?.files ?? []).map((f) => [f.path, f.contents ? decodeResource(f.contents).toString('utf8') : '']));

/** Everything in a config a stranger could use: private keys, kubeconfigs with credentials, tokens, password hashes. */
function secretsIn(cfg: IgnitionConfig, token: string): string[] {
  const found: string[] = [];
  const raw = JSON.stringify(cfg);
  for (const [path, text] of files(cfg)) {
    if (/PRIVATE KEY/.test(text)) found.push(`${path}: a private key`);
    if (/client-key-data|client-certificate-data|\btoken:/.test(text)) found.push(`${path}: a kubeconfig credential`);
    if (text.includes(token) || text.includes(token.split('.')[1]!)) found.push(`${path}: the bootstrap token`);
  }
  if (raw.includes(token.split('.')[1]!)) found.push('the bootstrap token secret in the raw config');
  if (/PRIVATE KEY/.test(raw)) found.push('a private key in the raw config');
  if ((cfg.passwd?.users ?? []).some((u) => u.passwordHash)) found.push('a password hash');
  return found;
}

describe.each(twoStage)('platform %s: first stage and secret bundle', (platform) => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), `nkd-two-stage-${platform}-`));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('there are two-stage platforms and fixtures to check', () => {
    expect(twoStage).toEqual(expect.arrayContaining(['openstack', 'baremetal']));
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });

  test.each(fixtures)('fixture %s', async (fixture) => {
    const doc = onPlatform(yaml.load(await readFile(join(GOLDEN_DIR, fixture, 'cluster.yaml'), 'utf8')), platform);
    // A password hash must travel in the bundle too.
    doc.spec.access = { ...doc.spec.access, passwordHash: '$6$nkdtest$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV' };
    const { config, baseDir } = await loadClusterText(yaml.dump(doc), { file: join(GOLDEN_DIR, fixture, 'cluster.yaml'), env: {} });
    const dir = join(scratch, fixture);
    const r = await renderCluster(config, { dir, baseDir }, goldenRenderDeps());
    const token = (await readFile(join(dir, 'auth', 'bootstrap-token'), 'utf8')).trim();
    // The whole config of the fixture's own golden render: its .ign, merged with its bundle when it is two-stage itself.
    const whole = async (name: string): Promise<IgnitionConfig> => {
      const at = join(GOLDEN_DIR, fixture, 'tree', 'ignition');
      const own = JSON.parse(await readFile(join(at, `${name}.ign`), 'utf8')) as IgnitionConfig;
      if (!own.ignition.config?.merge) return own;
      return mergeIgnition(own, JSON.parse(await readFile(join(at, `${name}.secret-bundle`), 'utf8')) as IgnitionConfig);
    };
    for (const n of r.nodes) {
      const firstText = await readFile(n.ignitionPath, 'utf8');
      const first = JSON.parse(firstText) as IgnitionConfig;
      expect({ node: n.name, secrets: secretsIn(first, token) }).toEqual({ node: n.name, secrets: [] });
      expect((await stat(n.ignitionPath)).mode & 0o777).toBe(0o644);

      expect(n.secretBundle).toBeDefined();
      const bundleText = await readFile(n.secretBundle!.path, 'utf8');
      expect(n.secretBundle!.path.endsWith('.ign')).toBe(false);
      expect((await stat(n.secretBundle!.path)).mode & 0o777).toBe(0o600);
      expect(sha512Hex(bundleText)).toBe(n.secretBundle!.sha512);
      const port = platform === 'openstack' ? 9081 : 9080;
      expect(first.ignition.config?.merge).toEqual([{ source: `http://10.231.9.1:${port}/nkd/v1/secrets/${n.name}`, verification: { hash: `sha512-${n.secretBundle!.sha512}` } }]);

      const bundle = JSON.parse(bundleText) as IgnitionConfig;
      const secretPaths = [...files(bundle).keys()];
      expect(secretPaths).toContain('/etc/nkd/kubeadm.yaml');
      if (n.role === 'control-plane') expect(secretPaths).toEqual(expect.arrayContaining(['/etc/kubernetes/pki/ca.key', '/etc/kubernetes/pki/etcd/ca.key', '/etc/kubernetes/pki/front-proxy-ca.key', '/etc/kubernetes/pki/sa.key']));
      expect(bundle.passwd?.users?.[0]?.passwordHash).toBe(doc.spec.access.passwordHash);
      // Disjoint halves that together hold every file of the whole config (libvirt's golden render),
      // the network profile and the SSH host key aside (they depend on the platform, not on the split).
      const firstPaths = [...files(first).keys()];
      expect(firstPaths.filter((p) => secretPaths.includes(p))).toEqual([]);
      // The check above can fail: the whole config libvirt hands over through fw_cfg is full of secrets.
      const wholeCfg = await whole(n.name);
      expect(secretsIn(wholeCfg, (await readFile(join(GOLDEN_DIR, fixture, 'tree', 'auth', 'bootstrap-token'), 'utf8')).trim()).length).toBeGreaterThan(0);
      const platformOwn = (p: string) => p.startsWith('/etc/NetworkManager/') || p.startsWith('/etc/ssh/ssh_host_');
      const wholePaths = [...files(wholeCfg).keys()].filter((p) => !platformOwn(p));
      expect([...firstPaths, ...secretPaths].filter((p) => !platformOwn(p)).sort()).toEqual(wholePaths.sort());
      if (platform === 'baremetal') expect(secretPaths).toContain('/etc/ssh/ssh_host_ed25519_key');
    }
  });
});
