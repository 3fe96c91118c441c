/**
 * The real kubeadm accepts what nkd render writes: every kubeadm file validates, and
 * `kubeadm init phase certs all` / `init phase kubeconfig all` reuse the rendered PKI and
 * kubeconfigs of every control-plane node without generating anything.
 */
import { jest } from '@jest/globals';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
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
    'kubeadm init phase certs all uses the existing PKI of %s and generates nothing',
    async (node, ip) => {
      const { pki, config } = await nodeCertDir(dir, node, ip, root);
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
    const { config } = await nodeCertDir(dir, 'master-1', '10.231.0.11', join(root, 'kc'));
    const confDir = join(root, 'kc', 'conf');
    await cp(join(dir, 'auth', 'nodes', 'master-1'), confDir, { recursive: true });
    await cp(join(dir, 'auth', 'admin.conf'), join(confDir, 'admin.conf'));
    await cp(join(dir, 'auth', 'super-admin.conf'), join(confDir, 'super-admin.conf'));
    const out = await run(kubeadm, ['init', 'phase', 'kubeconfig', 'all', '--kubeconfig-dir', confDir, '--config', config]);
    for (const f of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) {
      expect(out).toContain(`Using existing kubeconfig file: "${join(confDir, f)}"`);
    }
  });
});

describe(`an ECDSA P-256 render with the real kubeadm ${version}`, () => {
  test('validates, and kubeadm uses its existing certificates', async () => {
    const { root: ecRoot } = await renderHa(version, (d) => (d.spec.certificates = { keyType: 'ecdsa-p256' }));
    try {
      const ecDir = join(ecRoot, 'cluster');
      for (const f of (await readdir(join(ecDir, 'kubeadm'))).sort()) {
        expect((await run(kubeadm, ['config', 'validate', '--config', join(ecDir, 'kubeadm', f)])).trim()).toBe('ok');
      }
      const { config } = await nodeCertDir(ecDir, 'master-2', '10.231.0.12', ecRoot);
      const out = await run(kubeadm, ['init', 'phase', 'certs', 'all', '--config', config]);
      expect(out).not.toMatch(/Generating/);
      expect(out.match(/Using (existing|the existing)/g)?.length).toBe(11);
    } finally {
      await rm(ecRoot, { recursive: true, force: true });
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
  test('every file validates and kubeadm uses the existing certificates and kubeconfigs', async () => {
    const old = kubeBinary('kubeadm', V1BETA3_KUBEADM);
    const { root: r } = await renderHa(V1BETA3_KUBEADM);
    try {
      const d = join(r, 'cluster');
      for (const f of (await readdir(join(d, 'kubeadm'))).sort()) {
        const text = await readFile(join(d, 'kubeadm', f), 'utf8');
        expect(text).toContain('apiVersion: kubeadm.k8s.io/v1beta3');
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
