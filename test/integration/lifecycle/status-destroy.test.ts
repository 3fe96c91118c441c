import { jest } from '@jest/globals';
import '../../helpers/reflect-metadata.js';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { LibvirtProvider } from '../../../pkg/infra/libvirt/provider.js';
import { libvirtSettings } from '../../../pkg/infra/libvirt/settings.js';
import { openVirsh, type Virsh } from '../../../pkg/infra/libvirt/virsh.js';
import { listDomains, listNetworks, listPools } from '../../../pkg/infra/libvirt/inspect.js';
import { destroy } from '../../../pkg/lifecycle/destroy.js';
import { clusterStatus, formatStatus } from '../../../pkg/lifecycle/status.js';
import { Journal } from '../../../pkg/infra/journal.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { capturedUi, deployWith, deleteNodes, fakeRender, registerReadyNodes, scratchCluster } from './lifecycle-fixture.js';
import { ClusterDir } from '../../../pkg/cluster-dir.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(120_000);

let kubeconfig: string;
let v: Virsh;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  kubeconfig = await sharedKubeconfig();
}, 300_000);
beforeEach(() => {
  v = openVirsh('test:///default');
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
  await v.close();
});

async function deployed() {
  const ns = uniqueNamespace('status');
  const s = await scratchCluster(ns);
  const names = s.config.spec.nodes.map((n) => n.name);
  cleanup.push(async () => {
    await deleteNodes(kubeconfig, names);
    await rm(s.base, { recursive: true, force: true });
  });
  const provider = new LibvirtProvider({ ...libvirtSettings(s.config as ClusterConfig), uri: 'test:///default' }, { virsh: v });
  await deployWith({
    config: s.config, dir: s.dir, baseDir: s.base, ui: capturedUi(), provider, render: fakeRender(kubeconfig),
    timeouts: { apiMs: 30_000, nodesMs: 30_000 },
    afterPhase: async (p) => { if (p === 'provision') await registerReadyNodes(kubeconfig, names); },
  });
  return { ...s, names, provider };
}

async function certificate(file: string, days: number): Promise<void> {
  const x509 = await import('@peculiar/x509');
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=kubernetes', notBefore: new Date(), notAfter: new Date(Date.now() + days * 86_400_000 + 3_600_000), keys, signingAlgorithm: alg });
  await writeFile(file, cert.toString('pem'));
}

describe('nkd status and nkd destroy', () => {
  it('shows the API version, Ready nodes, certificate expiry and every provider resource', async () => {
    const { dir, names, provider } = await deployed();
    await mkdir(join(dir, 'pki'), { recursive: true });
    await certificate(join(dir, 'pki', 'ca.crt'), 20);
    const report = await clusterStatus({ dir }, { provider });
    expect(report.api.version).toMatch(/^v1\./);
    expect(report.nodes.filter((n) => names.includes(n.name)).map((n) => [n.name, n.ready, n.kubelet])).toEqual(names.map((n) => [n, true, 'v1.34.1']));
    expect(report.certificates).toEqual([expect.objectContaining({ file: 'pki/ca.crt', daysLeft: 20 })]);
    expect(report.resources).toHaveLength(9);
    expect(report.resources.filter((r) => r.kind === 'domain').map((r) => r.state)).toEqual(['running', 'running']);
    const text = formatStatus(report);
    expect(text).toContain('pki/ca.crt');
    expect(text).toContain('20 days');
    expect(text).toContain('! renew soon');
  });

  it('destroys every resource, reports them, and leaves an empty journal; a second destroy has nothing to do', async () => {
    const { dir, provider } = await deployed();
    const ui = capturedUi();
    const report = await destroy({ dir, ui }, { provider });
    expect(report.deleted.map((r) => r.kind)).toEqual(['domain', 'domain', 'volume', 'volume', 'volume', 'volume', 'volume', 'pool', 'network']);
    expect(report.remaining).toEqual([]);
    expect(ui.text()).toContain('✓ cluster demo destroyed: 9 resources deleted, none remain');
    expect((await listDomains(v)).filter((d) => d.startsWith('demo-'))).toEqual([]);
    expect(await listNetworks(v)).toEqual(['default']);
    expect(await listPools(v)).toEqual(['default-pool']);
    expect((await Journal.read(new ClusterDir(dir).journal))?.entries).toEqual([]);
    const again = await destroy({ dir, ui: capturedUi() }, { provider });
    expect(again.deleted).toEqual([]);
  });

  it('reports what remains, with libvirt\'s reason, when a resource cannot be deleted', async () => {
    const { dir, provider } = await deployed();
    // A volume nkd did not create keeps the pool busy: the pool cannot be deleted.
    await v.run(['vol-create-as', 'nkd-demo', 'someone-elses.img', '1M']);
    const err = (await destroy({ dir, ui: capturedUi() }, { provider }).catch((e: unknown) => e)) as Error & { details: string[] };
    expect(err.message).toBe('1 resource of cluster demo remain after destroy');
    expect(err.details).toEqual(['pool nkd-demo: pool still holds someone-elses.img']);
    expect((await Journal.read(new ClusterDir(dir).journal))?.entries.map((e) => `${e.kind} ${e.name} ${e.state}`)).toEqual(['pool nkd-demo deleting']);
  }, 60_000);

  it('sweeps by cluster tag when the journal is lost, given the cluster file', async () => {
    const { dir, config, provider } = await deployed();
    await rm(new ClusterDir(dir).journal);
    const ui = capturedUi();
    const report = await destroy({ dir, ui, config }, { provider });
    expect(ui.text()).toContain('! no journal in');
    expect(report.deleted.map((r) => `${r.kind} ${r.name}`).sort()).toEqual([
      'domain demo-' + config.spec.nodes[0]!.name, 'domain demo-' + config.spec.nodes[1]!.name,
      'network nkd-demo', 'pool nkd-demo',
      'volume demo-base.qcow2',
      ...config.spec.nodes.flatMap((n) => [`volume demo-${n.name}.ign`, `volume demo-${n.name}.qcow2`]),
    ].sort());
    expect((await listDomains(v)).filter((d) => d.startsWith('demo-'))).toEqual([]);
  });
});
