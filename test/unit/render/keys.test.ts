// What render makes outside the cluster, with which key type, and how it stops when interrupted.
import { jest } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { renderCluster } from '../../../pkg/assets/render.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import type { KeySource } from '../../../pkg/pki/keys.js';
import { ExitCode, type NkdError } from '../../../pkg/ui/errors.js';
import { haClusterDoc, validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { listTree } from '../../golden/tree.js';
import { fileText } from '../ignition/decode.js';

jest.setTimeout(60_000);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nkd-render-keys-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = () => join(root, `c${++n}`);
const ha = (mutate?: (d: any) => void) => validClusterConfig((d) => { Object.assign(d, haClusterDoc()); mutate?.(d); });
const render = (c: ClusterConfig, dir: string, extra: Partial<Parameters<typeof renderCluster>[1]> = {}, deps: Parameters<typeof renderCluster>[2] = {}) =>
  renderCluster(c, { dir, ...extra }, { ...goldenRenderDeps(), ...deps });
const keyKind = async (dir: string, path: string) => new X509Certificate(await readFile(join(dir, path))).publicKey.asymmetricKeyType;
const ignition = async (dir: string, node: string) => JSON.parse(await readFile(join(dir, `ignition/${node}.ign`), 'utf8')) as IgnitionConfig;

async function snapshot(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await listTree(dir)) m.set(f, await readFile(join(dir, f), 'utf8'));
  return m;
}

describe('what render makes by default', () => {
  test('only what must exist before a node boots: 3 CAs, the service-account key, admin and super-admin kubeconfigs, the token (6 keys)', async () => {
    const dir = freshDir();
    const r = await render(await ha(), dir);
    const secrets = (await listTree(dir)).filter((f) => f.startsWith('pki/') || f.startsWith('auth/'));
    expect(secrets).toEqual([
      'auth/admin.conf', 'auth/bootstrap-token', 'auth/super-admin.conf',
      'pki/ca.crt', 'pki/ca.key', 'pki/etcd/ca.crt', 'pki/etcd/ca.key', 'pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key', 'pki/sa.key', 'pki/sa.pub',
    ]);
    expect(r.keysGenerated).toBe(6);
  });

  test('a control-plane config carries the CAs and the service-account key, and no leaf certificate or admin credential', async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    for (const node of ['master-1', 'master-2']) {
      const cfg = await ignition(dir, node);
      const paths = (cfg.storage?.files ?? []).map((f) => f.path).filter((p) => p.startsWith('/etc/kubernetes/') && !p.startsWith('/etc/kubernetes/manifests/'));
      expect([node, paths]).toEqual([node, [
        '/etc/kubernetes/pki/ca.crt', '/etc/kubernetes/pki/ca.key', '/etc/kubernetes/pki/etcd/ca.crt', '/etc/kubernetes/pki/etcd/ca.key',
        '/etc/kubernetes/pki/front-proxy-ca.crt', '/etc/kubernetes/pki/front-proxy-ca.key', '/etc/kubernetes/pki/sa.key', '/etc/kubernetes/pki/sa.pub',
      ]]);
      expect(fileText(cfg, '/etc/kubernetes/pki/ca.key')).toBe(await readFile(join(dir, 'pki/ca.key'), 'utf8'));
    }
    expect((await ignition(dir, 'worker-1')).storage?.files?.some((f) => f.path.startsWith('/etc/kubernetes/pki/'))).toBe(false);
  });

  test('a re-render of an unchanged cluster generates no key and writes no file', async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    const r = await render(await ha(), dir);
    expect([r.keysGenerated, r.written]).toEqual([0, []]);
  });
});

describe('key type', () => {
  test.each([
    ['1.34.1', 'ec', 'ECDSA-P256'],
    ['1.30.4', 'rsa', undefined],
  ])('Kubernetes %s without keyType gets %s keys (kubeadm encryptionAlgorithm %s)', async (version, kind, algorithm) => {
    const dir = freshDir();
    const r = await render(await validClusterConfig((d) => (d.spec.kubernetes.version = version)), dir);
    expect(await keyKind(dir, 'pki/ca.crt')).toBe(kind);
    expect(r.keyType).toBe(kind === 'ec' ? 'ecdsa-p256' : 'rsa-2048');
    const docs = yaml.loadAll(await readFile(join(dir, 'kubeadm/master-1.yaml'), 'utf8')) as any[];
    expect(docs[1].encryptionAlgorithm).toBe(algorithm);
    expect((yaml.load(await readFile(join(dir, 'cluster.yaml'), 'utf8')) as any).spec.certificates.keyType).toBe(r.keyType);
    expect(JSON.parse(await readFile(join(dir, '.nkd/state.json'), 'utf8')).keyType).toBe(r.keyType);
  });

  test('keyType: rsa-2048 on request, also where ECDSA is the default', async () => {
    const dir = freshDir();
    await render(await validClusterConfig((d) => (d.spec.certificates = { keyType: 'rsa-2048' })), dir);
    expect(await keyKind(dir, 'pki/ca.crt')).toBe('rsa');
  });

  test('a directory keeps its key type when the cluster file sets none, and says so; no key, certificate or config changes', async () => {
    const dir = freshDir();
    await render(await validClusterConfig((d) => (d.spec.certificates = { keyType: 'rsa-2048' })), dir);
    const before = await snapshot(dir);
    const lines: string[] = [];
    const { Ui } = await import('../../../pkg/ui/output.js');
    const ui = new Ui('info', false, { out: () => {}, err: (t) => void lines.push(t) });
    const r = await render(await validClusterConfig(), dir, { ui });
    expect([r.keyType, r.keysGenerated]).toEqual(['rsa-2048', 0]);
    // cluster.yaml is rewritten only because the file's sections come in another order now.
    expect(r.written.filter((f) => !['cluster.yaml', 'manifest.json', '.nkd/state.json'].includes(f))).toEqual([]);
    const after = await snapshot(dir);
    for (const f of [...before.keys()].filter((p) => /^(pki|auth|ignition|kubeadm)\//.test(p))) expect([f, after.get(f)]).toEqual([f, before.get(f)]);
    expect(lines.join('')).toContain('keeping key type rsa-2048 of this directory');
  });

  test('a directory rendered before nkd recorded the key type keeps the one of its cluster.yaml', async () => {
    const dir = freshDir();
    await render(await validClusterConfig((d) => (d.spec.certificates = { keyType: 'rsa-2048' })), dir);
    const statePath = join(dir, '.nkd/state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    delete state.keyType;
    await writeFile(statePath, JSON.stringify(state));
    const r = await render(await validClusterConfig((d) => (d.spec.nodes[1].labels = { a: 'b' })), dir);
    expect(r.keyType).toBe('rsa-2048');
    expect(r.keysGenerated).toBe(0);
    expect(JSON.parse(await readFile(statePath, 'utf8')).keyType).toBe('rsa-2048');
  });
});

describe('leaf certificates of an existing directory', () => {
  test('a directory from an nkd that made every leaf keeps them when the cluster file does not choose: no key, certificate or config changes', async () => {
    const dir = freshDir();
    await render(await ha((d) => (d.spec.certificates = { keyType: 'rsa-2048', leafCertificates: 'nkd' })), dir);
    const statePath = join(dir, '.nkd/state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    delete state.keyType;
    delete state.leafCertificates;
    await writeFile(statePath, JSON.stringify(state));
    const before = await snapshot(dir);
    const r = await render(await ha(), dir);
    expect([r.keyType, r.keysGenerated]).toEqual(['rsa-2048', 0]);
    const after = await snapshot(dir);
    const rendered = (m: Map<string, string>) => [...m.keys()].filter((p) => /^(pki|auth|ignition|kubeadm)\//.test(p));
    expect(rendered(after)).toEqual(rendered(before));
    for (const f of rendered(before)) expect([f, after.get(f)]).toEqual([f, before.get(f)]);
    expect(JSON.parse(await readFile(statePath, 'utf8')).leafCertificates).toBe('nkd');
  });

  test('choosing leafCertificates: kubeadm later drops the leaves nkd made and keeps the CAs', async () => {
    const dir = freshDir();
    await render(await ha((d) => (d.spec.certificates = { leafCertificates: 'nkd' })), dir);
    const ca = await readFile(join(dir, 'pki/ca.key'), 'utf8');
    await render(await ha((d) => (d.spec.certificates = { leafCertificates: 'kubeadm' })), dir);
    expect(existsSync(join(dir, 'pki/nodes'))).toBe(false);
    expect(existsSync(join(dir, 'auth/nodes'))).toBe(false);
    expect(await readFile(join(dir, 'pki/ca.key'), 'utf8')).toBe(ca);
  });
});

describe('leaf validity where kubeadm makes the leaves', () => {
  const load = (certificates: Record<string, unknown>, version: string) =>
    validClusterConfig((d) => {
      d.spec.kubernetes.version = version;
      d.spec.certificates = certificates;
    });

  test('below Kubernetes 1.31 another leafValidityDays is refused, naming leafCertificates: nkd as the fix', async () => {
    const e = await load({ leafValidityDays: 90 }, '1.30.4').then(() => undefined, (x: unknown) => x as NkdError);
    expect(e?.code).toBe(ExitCode.Usage);
    expect(e?.details.join('\n')).toContain(
      'spec.certificates.leafValidityDays: 90 days cannot apply: kubeadm before 1.31 makes the leaf certificates on the nodes, valid for 365 days (fix: set spec.certificates.leafCertificates: nkd to have nkd make them, or remove leafValidityDays)',
    );
  });

  test.each([
    [{ leafValidityDays: 90, leafCertificates: 'nkd' }, '1.30.4'],
    [{ leafValidityDays: 90 }, '1.31.0'],
    [{ leafValidityDays: 365 }, '1.30.4'],
  ])('%j on Kubernetes %s is accepted', async (certificates, version) => {
    await expect(load(certificates, version)).resolves.toBeDefined();
  });
});

describe('interrupted renders', () => {
  test('an interrupt during key generation rejects at once (exit 130) and leaves a new directory empty', async () => {
    const dir = freshDir();
    const abort = new AbortController();
    let asked = 0;
    // Keys that never come: only the interrupt can end this render.
    const stuck: KeySource = () => {
      if (++asked === 1) setImmediate(() => abort.abort());
      return new Promise(() => {});
    };
    await expect(renderCluster(await ha(), { dir, signal: abort.signal }, { keys: stuck })).rejects.toMatchObject({
      code: ExitCode.Interrupted,
      message: 'render interrupted before writing: the cluster directory is unchanged',
    });
    expect(existsSync(join(dir, 'pki'))).toBe(false);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  });

  test('an interrupt while files are staged drops them: exit 130, the directory unchanged, no staging left', async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    const before = await snapshot(dir);
    const abort = new AbortController();
    await expect(render(await ha((d) => (d.spec.nodes[4].labels = { x: 'y' })), dir, { signal: abort.signal }, { commitObserver: { afterStage: () => abort.abort() } }))
      .rejects.toMatchObject({ code: ExitCode.Interrupted, message: 'render interrupted before writing: the cluster directory is unchanged' });
    expect(await snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, '.nkd/staging'))).toBe(false);
  });

  test('an interrupt after the commit point completes the commit: the directory holds the whole new render', async () => {
    const dir = freshDir();
    await render(await ha(), dir);
    const abort = new AbortController();
    const r = await render(await ha((d) => (d.spec.nodes[4].labels = { x: 'y' })), dir, { signal: abort.signal }, { commitObserver: { afterCommitRecord: () => abort.abort() } });
    expect(r.written).toContain('kubeadm/worker-2.yaml');
    expect(await readFile(join(dir, 'kubeadm/worker-2.yaml'), 'utf8')).toContain('x=y');
    expect(existsSync(join(dir, '.nkd/commit.json'))).toBe(false);
  });
});
