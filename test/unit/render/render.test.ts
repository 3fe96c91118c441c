import { jest } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { renderCluster } from '../../../pkg/assets/render.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { selfSignedCA } from '../../../pkg/pki/certs.js';
import { seededRandom } from '../../../pkg/pki/random.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import { haClusterDoc, toYaml, validClusterConfig, validClusterDoc } from '../../fixtures/cluster.js';
import { fixtureKeys, goldenRenderDeps, GOLDEN_NOW } from '../../golden/env.js';
import { listTree } from '../../golden/tree.js';

// Renders under a loaded CI machine can pass jest's 5 s default.
jest.setTimeout(60_000);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nkd-render-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
const freshDir = () => join(root, `c${++n}`);
/** A config whose cluster file lives in the test's root folder (relative paths resolve there). */
async function configInRoot(mutate: (d: any) => void): Promise<ClusterConfig> {
  const doc = validClusterDoc();
  mutate(doc);
  return (await loadClusterText(toYaml(doc), { file: join(root, 'cluster.yaml'), env: {} })).config;
}
const ha = (mutate?: (d: any) => void) => validClusterConfig((d) => { Object.assign(d, haClusterDoc()); mutate?.(d); });
/** The cluster with its leaf certificates and component kubeconfigs made by nkd. */
const leaves = (d: any): void => void (d.spec.certificates = { ...d.spec.certificates, leafCertificates: 'nkd' });
const haLeaves = (mutate?: (d: any) => void) => ha((d) => { leaves(d); mutate?.(d); });
const render = (c: ClusterConfig, dir: string, extra: Partial<Parameters<typeof renderCluster>[1]> = {}) =>
  renderCluster(c, { dir, ...extra }, goldenRenderDeps());

async function snapshot(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await listTree(dir)) m.set(f, await readFile(join(dir, f), 'utf8'));
  return m;
}

describe('render', () => {
  test('renders one Ignition config, one kubeadm file per node and the kubeadm PKI layout; RenderResult follows the contract', async () => {
    const dir = freshDir();
    const r = await render(await haLeaves(), dir);
    expect(r.nodes.map((x) => x.name)).toEqual(['master-1', 'master-2', 'master-3', 'worker-1', 'worker-2']);
    for (const node of r.nodes) {
      const bytes = await readFile(node.ignitionPath);
      expect(node.ignitionPath).toBe(join(dir, `ignition/${node.name}.ign`));
      expect(node.ignitionBytes).toBe(bytes.length);
      expect(node.ignitionSha512).toBe(createHash('sha512').update(bytes).digest('hex'));
      await stat(join(dir, `kubeadm/${node.name}.yaml`));
    }
    expect(r.adminKubeconfigPath).toBe(join(dir, 'auth/admin.conf'));
    const tree = await listTree(dir);
    for (const f of ['pki/ca.crt', 'pki/ca.key', 'pki/front-proxy-ca.crt', 'pki/front-proxy-client.key', 'pki/etcd/ca.key', 'pki/etcd/healthcheck-client.crt',
      'pki/apiserver-etcd-client.crt', 'pki/apiserver-kubelet-client.crt', 'pki/sa.key', 'pki/sa.pub', 'pki/nodes/master-2/apiserver.crt',
      'pki/nodes/master-2/etcd/server.crt', 'pki/nodes/master-2/etcd/peer.key', 'auth/super-admin.conf', 'auth/nodes/master-3/kubelet.conf', 'cluster.yaml', 'manifest.json', '.nkd/state.json']) {
      expect(tree).toContain(f);
    }
    expect(r.written.length).toBe(tree.length);
  });

  test('every secret is written 0600: private keys, kubeconfigs, the token, kubeadm files and Ignition configs', async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    for (const f of await listTree(dir)) {
      const m = (await stat(join(dir, f))).mode & 0o777;
      const secret = /\.(key|conf|ign)$/.test(f) || f.startsWith('kubeadm/') || f === 'auth/bootstrap-token';
      expect([f, m]).toEqual([f, secret ? 0o600 : 0o644]);
    }
  });

  test('re-running render on the same directory changes no byte', async () => {
    const dir = freshDir();
    const c = await ha();
    await render(c, dir);
    const before = await snapshot(dir);
    const mtime = (await stat(join(dir, 'pki/ca.key'))).mtimeMs;
    // A different clock and random source: reuse must not depend on them.
    const r = await renderCluster(c, { dir }, { now: new Date(), keys: fixtureKeys });
    expect(r.written).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
    expect((await stat(join(dir, 'pki/ca.key'))).mtimeMs).toBe(mtime);
  });

  test('the same input and the same state give byte-identical output in another directory', async () => {
    const a = freshDir();
    const c = await ha();
    await render(c, a);
    const b = freshDir();
    await cp(a, b, { recursive: true });
    await renderCluster(c, { dir: b }, { keys: fixtureKeys });
    expect(await snapshot(b)).toEqual(await snapshot(a));
  });

  test("changing one worker changes only that worker's files (and the bookkeeping)", async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    const r = await render(await ha((d) => (d.spec.nodes[4].labels = { pool: 'gpu' })), dir);
    expect(r.written.sort()).toEqual(['.nkd/state.json', 'cluster.yaml', 'ignition/worker-2.ign', 'kubeadm/worker-2.yaml', 'manifest.json']);
  });

  test("adding a worker adds only that worker's files and reuses every key", async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    const r = await render(await ha((d) => d.spec.nodes.push({ name: 'worker-3', role: 'worker', ip: '10.231.0.23' })), dir);
    expect(r.written.sort()).toEqual(['.nkd/state.json', 'cluster.yaml', 'ignition/worker-3.ign', 'kubeadm/worker-3.yaml', 'manifest.json']);
  });

  test("changing a control-plane node's IP re-issues only that node's certificates and keeps their keys", async () => {
    const dir = freshDir();
    await render(await haLeaves(), dir);
    const key = await readFile(join(dir, 'pki/nodes/master-3/apiserver.key'), 'utf8');
    const r = await render(await haLeaves((d) => (d.spec.nodes[2].ip = '10.231.0.33')), dir);
    const pki = r.written.filter((f) => f.startsWith('pki/') || f.startsWith('auth/'));
    expect(pki.sort()).toEqual([
      'auth/nodes/master-3/controller-manager.conf', 'auth/nodes/master-3/kubelet.conf', 'auth/nodes/master-3/scheduler.conf',
      'pki/nodes/master-3/apiserver.crt', 'pki/nodes/master-3/etcd/peer.crt', 'pki/nodes/master-3/etcd/server.crt',
    ]);
    expect(await readFile(join(dir, 'pki/nodes/master-3/apiserver.key'), 'utf8')).toBe(key);
    const cert = new X509Certificate(await readFile(join(dir, 'pki/nodes/master-3/apiserver.crt')));
    expect(cert.subjectAltName).toContain('IP Address:10.231.0.33');
  });

  test('new validity settings keep the CAs (and say so) and re-issue the leaves with their old keys', async () => {
    const dir = freshDir();
    await render(await validClusterConfig(leaves), dir);
    const before = await snapshot(dir);
    const lines: string[] = [];
    const { Ui } = await import('../../../pkg/ui/output.js');
    const ui = new Ui('info', false, { out: () => {}, err: (t) => void lines.push(t) });
    await render(await validClusterConfig((d) => (d.spec.certificates = { leafCertificates: 'nkd', caValidityDays: 1825, leafValidityDays: 90 })), dir, { ui });
    const after = await snapshot(dir);
    for (const f of ['pki/ca.crt', 'pki/ca.key', 'pki/etcd/ca.crt', 'pki/sa.key', 'pki/nodes/master-1/apiserver.key']) expect([f, after.get(f)]).toEqual([f, before.get(f)]);
    expect(after.get('pki/nodes/master-1/apiserver.crt')).not.toBe(before.get('pki/nodes/master-1/apiserver.crt'));
    const leaf = new X509Certificate(after.get('pki/nodes/master-1/apiserver.crt')!);
    expect(new Date(leaf.validTo).getTime() - GOLDEN_NOW.getTime()).toBe(90 * 86_400_000);
    expect(lines.join('')).toContain('spec.certificates changed; keeping the existing kubernetes CA (pki/ca.crt)');
  });

  test('a hand-edited certificate that no longer matches its key is refused, naming both files, and nothing is overwritten', async () => {
    const dir = freshDir();
    await render(await haLeaves(), dir);
    await cp(join(dir, 'pki/front-proxy-client.crt'), join(dir, 'pki/apiserver-kubelet-client.crt'));
    const before = await snapshot(dir);
    await expect(render(await haLeaves((d) => (d.spec.nodes[4].labels = { x: 'y' })), dir)).rejects.toThrow(
      'pki/apiserver-kubelet-client.crt no longer matches its key pki/apiserver-kubelet-client.key',
    );
    expect(await snapshot(dir)).toEqual(before);
  });

  test('a CA key recorded in the state but missing on disk is refused, never silently regenerated', async () => {
    const dir = freshDir();
    await render(await validClusterConfig(), dir);
    await rm(join(dir, 'pki/etcd/ca.key'));
    await expect(render(await validClusterConfig(), dir)).rejects.toThrow('pki/etcd/ca.key: missing, while the other half of the etcd-ca CA exists');
    await rm(join(dir, 'pki/etcd/ca.crt'));
    await expect(render(await validClusterConfig(), dir)).rejects.toThrow('pki/etcd/ca.crt, pki/etcd/ca.key: recorded in .nkd/state.json but missing');
  });

  test('a render interrupted before its commit writes nothing', async () => {
    const dir = freshDir();
    const c = await validClusterConfig();
    await render(c, dir);
    const before = await snapshot(dir);
    const abort = new AbortController();
    abort.abort();
    await expect(render(await validClusterConfig((d) => (d.spec.nodes[1].labels = { a: 'b' })), dir, { signal: abort.signal }))
      .rejects.toThrow('render interrupted before writing: the cluster directory is unchanged');
    expect(await snapshot(dir)).toEqual(before);
  });

  test('a directory of another cluster is refused before anything is written', async () => {
    const dir = freshDir();
    await render(await validClusterConfig(), dir);
    const before = await snapshot(dir);
    await expect(render(await validClusterConfig((d) => (d.metadata.name = 'prod')), dir)).rejects.toThrow(`belongs to cluster "demo", not "prod"`);
    expect(await snapshot(dir)).toEqual(before);
  });

  test('rotateBootstrapToken replaces the token in every kubeadm file and keeps the CAs', async () => {
    const dir = freshDir();
    const c = await ha();
    await render(c, dir);
    const oldToken = (await readFile(join(dir, 'auth/bootstrap-token'), 'utf8')).trim();
    const ca = await readFile(join(dir, 'pki/ca.crt'), 'utf8');
    const r = await renderCluster(c, { dir, rotateBootstrapToken: true }, { keys: fixtureKeys });
    const token = (await readFile(join(dir, 'auth/bootstrap-token'), 'utf8')).trim();
    expect(token).not.toBe(oldToken);
    expect(r.written).toEqual(expect.arrayContaining(['kubeadm/master-1.yaml', 'kubeadm/worker-1.yaml', 'ignition/worker-2.ign']));
    const join2 = yaml.load(await readFile(join(dir, 'kubeadm/worker-2.yaml'), 'utf8')) as any;
    expect(join2.discovery.bootstrapToken.token).toBe(token);
    expect(await readFile(join(dir, 'pki/ca.crt'), 'utf8')).toBe(ca);
  });

  test('a user-supplied CA signs the cluster certificates; a different CA later is refused', async () => {
    const dir = freshDir();
    const userDir = join(root, 'user-ca');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(userDir, { recursive: true });
    const key = await fixtureKeys('pki/sa', 'rsa-2048');
    const ca = await selfSignedCA({ commonName: 'corp-root', usage: 'ca', validityDays: 100 }, key, { now: GOLDEN_NOW, random: seededRandom('u') });
    await writeFile(join(userDir, 'ca.crt'), ca.certPem);
    await writeFile(join(userDir, 'ca.key'), key.privatePem);
    const c = await configInRoot((d) => (d.spec.certificates = { leafCertificates: 'nkd', userCAs: { kubernetes: { cert: 'user-ca/ca.crt', key: 'user-ca/ca.key' } } }));
    await render(c, dir, { baseDir: root });
    expect(await readFile(join(dir, 'pki/ca.crt'), 'utf8')).toBe(ca.certPem);
    const api = new X509Certificate(await readFile(join(dir, 'pki/nodes/master-1/apiserver.crt')));
    expect(api.issuer).toBe('CN=corp-root');
    expect(api.checkIssued(new X509Certificate(ca.certPem))).toBe(true);

    const other = await selfSignedCA({ commonName: 'corp-root', usage: 'ca', validityDays: 100 }, key, { now: GOLDEN_NOW, random: seededRandom('v') });
    await writeFile(join(userDir, 'ca.crt'), other.certPem);
    await expect(render(c, dir, { baseDir: root })).rejects.toThrow('spec.certificates.userCAs.kubernetes: differs from the CA this directory was rendered with (pki/ca.crt)');
  });

  test('ecdsa-p256 renders ECDSA keys and certificates', async () => {
    const dir = freshDir();
    const c = await validClusterConfig((d) => (d.spec.certificates = { keyType: 'ecdsa-p256', leafCertificates: 'nkd' }));
    await renderCluster(c, { dir });
    const cert = new X509Certificate(await readFile(join(dir, 'pki/nodes/master-1/apiserver.crt')));
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const kubeadm = yaml.loadAll(await readFile(join(dir, 'kubeadm/master-1.yaml'), 'utf8')) as any[];
    expect(kubeadm[1].encryptionAlgorithm).toBe('ECDSA-P256');
  });

  test('local post-hook manifests are copied into the directory; URLs are passed on', async () => {
    const dir = freshDir();
    await writeFile(join(root, 'extra.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n');
    const c = await configInRoot((d) => (d.spec.hooks = { postManifests: ['extra.yaml', 'https://example.com/a.yaml'] }));
    const r = await render(c, dir, { baseDir: root });
    expect(r.postHookManifests).toEqual([join(dir, 'manifests/post/01-extra.yaml'), 'https://example.com/a.yaml']);
    expect(await readFile(join(dir, 'manifests/post/01-extra.yaml'), 'utf8')).toContain('name: extra');
  });
});
