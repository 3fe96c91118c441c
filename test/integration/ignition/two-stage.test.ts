/**
 * The two-stage boot with the real ignition and nkd's real boot service over loopback: a
 * bare-metal render's first stage (no secrets) makes ignition fetch the node's secret bundle
 * from the boot service, verify its SHA-512 and merge it, so the host gets every file of the
 * whole config; the service hands a bundle over once and only to the node's address.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import { startSecretBundleServer } from '../../../pkg/infra/boot-service.js';
import type { BootService, Progress } from '../../../pkg/infra/types.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { freePort } from '../../harness/ports.js';
import { applyIgnition, requireTools, type Applied } from './tools.js';

jest.setTimeout(120_000);

let scratch: string;
let port: number;
let r: RenderResult;
const roots: Applied[] = [];
const services: BootService[] = [];
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };

beforeAll(async () => {
  requireTools();
  scratch = await mkdtemp(join(tmpdir(), 'nkd-two-stage-'));
  port = await freePort();
  const config = await validClusterConfig((d) => {
    delete d.spec.libvirt;
    d.spec.platform = 'baremetal';
    d.spec.baremetal = { httpAddress: '127.0.0.1', httpPort: port };
    d.spec.nodes.forEach((n: any, i: number) => (n.mac ??= `52:54:00:00:07:0${i + 1}`));
  });
  r = await renderCluster(config, { dir: join(scratch, 'cluster') }, goldenRenderDeps());
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await Promise.all(roots.map((a) => a.cleanup()));
  await rm(scratch, { recursive: true, force: true });
});

const serve = async (clientIp?: string): Promise<BootService> => {
  const s = await startSecretBundleServer({
    host: '127.0.0.1', port, progress,
    bundles: r.nodes.map((n) => ({ node: n.name, file: n.secretBundle!.path, sha512: n.secretBundle!.sha512, ...(clientIp ? { clientIp } : {}) })),
  });
  services.push(s);
  return s;
};

const apply = async (node: string): Promise<Applied> => {
  const a = await applyIgnition(await readFile(r.nodes.find((n) => n.name === node)!.ignitionPath, 'utf8'), { groups: ['wheel'] });
  roots.push(a);
  return a;
};

describe('two-stage boot (real ignition, real boot service)', () => {
  test('a bundle is refused to any address but the node\'s, and ignition then fails writing nothing', async () => {
    const s = await serve('10.231.99.7');
    const a = await apply('master-1');
    expect(a.code).not.toBe(0);
    expect(lines.join('\n')).toContain("refused node master-1's secret bundle to 127.0.0.1 (only 10.231.99.7 may fetch it)");
    expect(() => readFileSync(join(a.root, 'etc/hostname'))).toThrow();
    expect(s.served()).toEqual([]);
    await s.stop();
    services.splice(services.indexOf(s), 1);
  });

  test('the first stage fetches, verifies and merges the bundle: the host gets the keys and the kubeadm file', async () => {
    const s = await serve();
    const a = await apply('master-1');
    expect({ code: a.code, log: a.code ? a.log.slice(-2000) : '' }).toEqual({ code: 0, log: '' });
    const bundle = JSON.parse(await readFile(r.nodes[0]!.secretBundle!.path, 'utf8')) as { storage: { files: Array<{ path: string }> } };
    expect(bundle.storage.files.map((f) => f.path)).toContain('/etc/kubernetes/pki/ca.key');
    expect(readFileSync(join(a.root, 'etc/kubernetes/pki/ca.key'), 'utf8')).toMatch(/BEGIN (RSA |EC )?PRIVATE KEY/);
    expect(readFileSync(join(a.root, 'etc/nkd/kubeadm.yaml'), 'utf8')).toMatch(/kind: InitConfiguration/);
    expect(readFileSync(join(a.root, 'etc/hostname'), 'utf8')).toBe('master-1\n');
    expect(s.served()).toEqual(['master-1']);
  });

  test('served once: a second boot of the same node (or anyone replaying its first stage) gets nothing', async () => {
    const again = await apply('master-1');
    expect(again.code).not.toBe(0);
    expect(lines.join('\n')).toMatch(/refused a second request for node master-1's secret bundle/);
    expect(() => readFileSync(join(again.root, 'etc/kubernetes/pki/ca.key'))).toThrow();
    const worker = await apply('worker-1');
    expect(worker.code).toBe(0);
    expect(readFileSync(join(worker.root, 'etc/nkd/kubeadm.yaml'), 'utf8')).toMatch(/kind: JoinConfiguration/);
  });
});
