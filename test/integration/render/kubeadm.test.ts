/**
 * The real kubeadm accepts what nkd render writes: every kubeadm file validates;
 * `kubeadm init phase certs all` / `init phase kubeconfig all` reuse the rendered CAs,
 * service-account key and admin kubeconfigs and make the leaves from them (the default), or
 * reuse every rendered certificate and kubeconfig of each control-plane node without
 * generating anything (leafCertificates: nkd).
 */
import { jest } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeBinary } from '../../harness/controlplane.js';
import { newestTestVersion } from '../../harness/versions.js';
import { listTree } from '../../golden/tree.js';
import { nodeCertDir, renderHa, run } from './fixture.js';

// Per-project testTimeout is not applied by jest 30: each suite sets its own.
jest.setTimeout(120_000);

const version = newestTestVersion();
let kubeadm: string;
let root: string;
let dir: string;

beforeAll(async () => {
  kubeadm = kubeBinary('kubeadm', version);
  ({ root } = await renderHa(version));
  dir = join(root, 'cluster');
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe(`rendered kubeadm files and PKI with the real kubeadm ${version}`, () => {
  test('every rendered kubeadm file passes kubeadm config validate', async () => {
    const files = (await readdir(join(dir, 'kubeadm'))).sort();
    expect(files).toEqual(['master-1.yaml', 'master-2.yaml', 'master-3.yaml', 'worker-1.yaml', 'worker-2.yaml']);
    for (const f of files) {
      const out = await run(kubeadm, ['config', 'validate', '--config', join(dir, 'kubeadm', f)]);
      expect({ f, out: out.trim() }).toEqual({ f, out: 'ok' });
    }
  });

  test.each([['master-1', '10.231.0.11'], ['master-2', '10.231.0.12'], ['master-3', '10.231.0.13']])(
    'kubeadm init phase certs all on %s uses the rendered CAs and service-account key and makes the leaves from them, ECDSA P-256, for 365 days',
    async (node, ip) => {
      const { pki, config } = await nodeCertDir(dir, node, ip, root);
      const shared = ['ca.crt', 'ca.key', 'etcd/ca.crt', 'etcd/ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub'];
      const before = await Promise.all(shared.map(async (f) => [f, await readFile(join(pki, f), 'utf8')]));
      const out = await run(kubeadm, ['init', 'phase', 'certs', 'all', '--config', config]);
      for (const ca of ['ca', 'etcd/ca', 'front-proxy-ca']) expect(out).toContain(`Using existing ${ca} certificate authority`);
      expect(out).toContain('Using the existing "sa" key');
      expect(out.match(/Generating "[^"]+" certificate and key/g)?.length).toBe(7);
      expect(await Promise.all(shared.map(async (f) => [f, await readFile(join(pki, f), 'utf8')]))).toEqual(before);
      const ca = new X509Certificate(await readFile(join(pki, 'ca.crt')));
      const api = new X509Certificate(await readFile(join(pki, 'apiserver.crt')));
      expect(api.verify(ca.publicKey)).toBe(true);
      expect(api.publicKey.asymmetricKeyType).toBe('ec');
      expect(api.subjectAltName).toContain(`IP Address:${ip}`);
      expect(Math.round((Date.parse(api.validTo) - Date.parse(api.validFrom)) / 86_400_000)).toBe(365);
      const etcdPeer = new X509Certificate(await readFile(join(pki, 'etcd/peer.crt')));
      expect(etcdPeer.verify(new X509Certificate(await readFile(join(pki, 'etcd/ca.crt'))).publicKey)).toBe(true);
    },
  );

  test("kubeadm init phase kubeconfig all accepts the rendered admin.conf and super-admin.conf as this cluster's and makes the rest", async () => {
    const { config } = await nodeCertDir(dir, 'master-1', '10.231.0.11', join(root, 'kc'));
    const confDir = join(root, 'kc', 'conf');
    await mkdir(confDir, { recursive: true });
    await cp(join(dir, 'auth', 'admin.conf'), join(confDir, 'admin.conf'));
    await cp(join(dir, 'auth', 'super-admin.conf'), join(confDir, 'super-admin.conf'));
    const out = await run(kubeadm, ['init', 'phase', 'kubeconfig', 'all', '--kubeconfig-dir', confDir, '--config', config]);
    for (const f of ['admin.conf', 'super-admin.conf']) expect(out).toContain(`Using existing kubeconfig file: "${join(confDir, f)}"`);
    for (const f of ['kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) expect(out).toContain(`Writing "${f}" kubeconfig file`);
  });
});

describe.each(['rsa-2048', 'ecdsa-p256'])(`a render with leafCertificates: nkd and keyType %s, with the real kubeadm ${version}`, (keyType) => {
  let lroot: string;
  let ldir: string;
  beforeAll(async () => {
    ({ root: lroot } = await renderHa(version, (d) => (d.spec.certificates = { keyType, leafCertificates: 'nkd' })));
    ldir = join(lroot, 'cluster');
  }, 120_000);
  afterAll(async () => {
    if (lroot) await rm(lroot, { recursive: true, force: true });
  });

  test('every kubeadm file validates', async () => {
    for (const f of (await readdir(join(ldir, 'kubeadm'))).sort()) {
      expect({ f, out: (await run(kubeadm, ['config', 'validate', '--config', join(ldir, 'kubeadm', f)])).trim() }).toEqual({ f, out: 'ok' });
    }
  });

  test.each([['master-1', '10.231.0.11'], ['master-2', '10.231.0.12'], ['master-3', '10.231.0.13']])(
    'kubeadm init phase certs all uses the existing PKI of %s and generates nothing',
    async (node, ip) => {
      const { pki, config } = await nodeCertDir(ldir, node, ip, lroot);
      const before = await Promise.all((await listTree(pki)).map(async (f) => [f, await readFile(join(pki, f), 'utf8')]));
      const out = await run(kubeadm, ['init', 'phase', 'certs', 'all', '--config', config]);
      const lines = out.trim().split('\n').filter((l) => l.startsWith('[certs]') && !l.includes('Using certificateDir'));
      expect(lines.length).toBe(11);
      for (const l of lines) expect(l).toMatch(/Using (existing|the existing)/);
      expect(out).not.toMatch(/Generating/);
      const after = await Promise.all((await listTree(pki)).map(async (f) => [f, await readFile(join(pki, f), 'utf8')]));
      expect(after).toEqual(before);
    },
  );

  test('kubeadm init phase kubeconfig all uses the existing kubeconfigs of the init node', async () => {
    const { config } = await nodeCertDir(ldir, 'master-1', '10.231.0.11', join(lroot, 'kc'));
    const confDir = join(lroot, 'kc', 'conf');
    await cp(join(ldir, 'auth', 'nodes', 'master-1'), confDir, { recursive: true });
    await cp(join(ldir, 'auth', 'admin.conf'), join(confDir, 'admin.conf'));
    await cp(join(ldir, 'auth', 'super-admin.conf'), join(confDir, 'super-admin.conf'));
    const out = await run(kubeadm, ['init', 'phase', 'kubeconfig', 'all', '--kubeconfig-dir', confDir, '--config', config]);
    for (const f of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) {
      expect(out).toContain(`Using existing kubeconfig file: "${join(confDir, f)}"`);
    }
  });
});

describe('the golden render trees with the real kubeadm', () => {
  test('every kubeadm file of every golden fixture passes kubeadm config validate (kubeadm of the fixture version)', async () => {
    const { goldenFixtures, GOLDEN_DIR } = await import('../../golden/tree.js');
    const yaml = (await import('js-yaml')).default;
    let checked = 0;
    for (const fixture of await goldenFixtures()) {
      const doc = yaml.load(await readFile(join(GOLDEN_DIR, fixture, 'cluster.yaml'), 'utf8')) as any;
      const bin = kubeBinary('kubeadm', String(doc.spec.kubernetes.version));
      const kdir = join(GOLDEN_DIR, fixture, 'tree', 'kubeadm');
      for (const f of (await readdir(kdir)).sort()) {
        const out = await run(bin, ['config', 'validate', '--config', join(kdir, f)]);
        expect({ fixture, f, out: out.trim() }).toEqual({ fixture, f, out: 'ok' });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  });
});

/** The last kubeadm that reads kubeadm.k8s.io/v1beta3 files nkd writes below 1.31 (hack/env/40-render.sh). */
const V1BETA3_KUBEADM = '1.30.4';

describe(`a Kubernetes ${V1BETA3_KUBEADM} render (kubeadm.k8s.io/v1beta3) with the real kubeadm ${V1BETA3_KUBEADM}`, () => {
  test('by default: RSA-2048 CAs; every file validates and kubeadm makes the leaves from the rendered CAs', async () => {
    const old = kubeBinary('kubeadm', V1BETA3_KUBEADM);
    const { root: r } = await renderHa(V1BETA3_KUBEADM);
    try {
      const d = join(r, 'cluster');
      expect(new X509Certificate(await readFile(join(d, 'pki', 'ca.crt'))).publicKey.asymmetricKeyType).toBe('rsa');
      for (const f of (await readdir(join(d, 'kubeadm'))).sort()) {
        const text = await readFile(join(d, 'kubeadm', f), 'utf8');
        expect(text).toContain('apiVersion: kubeadm.k8s.io/v1beta3');
        expect({ f, out: (await run(old, ['config', 'validate', '--config', join(d, 'kubeadm', f)])).trim() }).toEqual({ f, out: 'ok' });
      }
      const { config, pki } = await nodeCertDir(d, 'master-3', '10.231.0.13', r);
      const certs = await run(old, ['init', 'phase', 'certs', 'all', '--config', config]);
      expect(certs.match(/Using (existing|the existing)/g)?.length).toBe(4);
      expect(certs.match(/Generating "[^"]+" certificate and key/g)?.length).toBe(7);
      expect(new X509Certificate(await readFile(join(pki, 'apiserver.crt'))).verify(new X509Certificate(await readFile(join(pki, 'ca.crt'))).publicKey)).toBe(true);
    } finally {
      await rm(r, { recursive: true, force: true });
    }
  });

  test('with leafCertificates: nkd, kubeadm uses the existing certificates and kubeconfigs', async () => {
    const old = kubeBinary('kubeadm', V1BETA3_KUBEADM);
    const { root: r } = await renderHa(V1BETA3_KUBEADM, (doc) => (doc.spec.certificates = { leafCertificates: 'nkd' }));
    try {
      const d = join(r, 'cluster');
      for (const f of (await readdir(join(d, 'kubeadm'))).sort()) {
        expect({ f, out: (await run(old, ['config', 'validate', '--config', join(d, 'kubeadm', f)])).trim() }).toEqual({ f, out: 'ok' });
      }
      const { config } = await nodeCertDir(d, 'master-3', '10.231.0.13', r);
      const certs = await run(old, ['init', 'phase', 'certs', 'all', '--config', config]);
      expect(certs).not.toMatch(/Generating/);
      expect(certs.match(/Using (existing|the existing)/g)?.length).toBe(11);
      const confDir = join(r, 'conf');
      await cp(join(d, 'auth', 'nodes', 'master-1'), confDir, { recursive: true });
      for (const f of ['admin.conf', 'super-admin.conf']) await cp(join(d, 'auth', f), join(confDir, f));
      const { config: m1 } = await nodeCertDir(d, 'master-1', '10.231.0.11', join(r, 'm1'));
      const kc = await run(old, ['init', 'phase', 'kubeconfig', 'all', '--kubeconfig-dir', confDir, '--config', m1]);
      expect(kc.match(/Using existing kubeconfig file/g)?.length).toBe(5);
    } finally {
      await rm(r, { recursive: true, force: true });
    }
  });
});
