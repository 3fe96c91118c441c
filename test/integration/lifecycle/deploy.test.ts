import { jest } from '@jest/globals';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { LibvirtProvider } from '../../../pkg/infra/libvirt/provider.js';
import { libvirtSettings } from '../../../pkg/infra/libvirt/settings.js';
import { openVirsh, type Virsh } from '../../../pkg/infra/libvirt/virsh.js';
import { listDomains } from '../../../pkg/infra/libvirt/inspect.js';
import { Journal } from '../../../pkg/infra/journal.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { ExitCode, NkdError } from '../../../pkg/ui/errors.js';
import { capturedUi, deployWith, deleteNodes, fakeRender, registerReadyNodes, scratchCluster } from './lifecycle-fixture.js';
import { ClusterDir } from '../../../pkg/cluster-dir.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(120_000);

// The waiting and applying phases run against a real kube-apiserver (Node objects created by
// the test play the kubelets); provisioning runs on libvirt's test driver through one session.
let cp: { kubeconfigPath: string };
let v: Virsh;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  cp = { kubeconfigPath: await sharedKubeconfig() };
}, 300_000);
beforeEach(() => {
  v = openVirsh('test:///default');
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
  await v?.close();
});

async function setup(mutate?: (doc: Record<string, any>) => void) {
  const ns = uniqueNamespace('deploy');
  const s = await scratchCluster(ns, mutate);
  const names = s.config.spec.nodes.map((n) => n.name);
  cleanup.push(async () => {
    await deleteNodes(cp.kubeconfigPath, names);
    await rm(s.base, { recursive: true, force: true });
  });
  const provider = (config: ClusterConfig) => new LibvirtProvider({ ...libvirtSettings(config), uri: 'test:///default' }, { virsh: v });
  return { ...s, ns, names, provider };
}

const core = (): CoreV1Api => {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  return kc.makeApiClient(CoreV1Api);
};

describe('nkd deploy (lifecycle phases)', () => {
  it('runs every phase in order, applies CNI and post-hook manifests server-side and leaves a 0600 admin kubeconfig', async () => {
    const { base, dir, config, ns, names, provider } = await setup();
    const ui = capturedUi();
    const result = await deployWith({
      config, dir, baseDir: base, ui, provider: provider(config),
      render: fakeRender(cp.kubeconfigPath, [join(base, 'hook.yaml')]),
      timeouts: { apiMs: 30_000, nodesMs: 30_000 },
      afterPhase: async (p) => { if (p === 'provision') await registerReadyNodes(cp.kubeconfigPath, names); },
    });
    expect(result.phases.map((p) => p.name)).toEqual([
      'preflight', 'render', 'plan', 'provision', 'wait for the API server', 'apply the CNI', 'wait for Ready nodes', 'apply post-hook manifests', 'install the upgrade operator', 'admin kubeconfig',
    ]);
    expect(result.applied).toEqual([`Namespace ${ns}`, `ConfigMap ${ns}/cni-config`, `ConfigMap ${ns}/post-hook`]);
    const cm = await core().readNamespacedConfigMap({ name: 'post-hook', namespace: ns });
    expect(cm.data).toEqual({ hook: 'applied' });
    expect(cm.metadata?.managedFields?.map((f) => `${f.manager}/${f.operation}`)).toEqual(['nkd/Apply']);
    expect((await stat(join(dir, 'auth', 'admin.conf'))).mode & 0o777).toBe(0o600);
    expect(ui.text()).toMatch(/• wait for Ready nodes \(2 nodes, up to 30\.0 s\)/);
    expect(ui.text()).toMatch(/✓ wait for Ready nodes \(\d/);
    expect(ui.out()).toContain(`export KUBECONFIG=${join(dir, 'auth', 'admin.conf')}`);
    expect((await listDomains(v)).filter((d) => d.startsWith('demo-')).sort()).toEqual(names.map((n) => `demo-${n}`).sort());
    const journal = JSON.parse(await readFile(new ClusterDir(dir).journal, 'utf8'));
    expect(Object.keys(journal.phases)).toEqual(result.phases.map((p) => p.name).slice(3));
  });

  it('prints the plan and creates nothing with --dry-run', async () => {
    const { base, dir, config, provider } = await setup();
    const ui = capturedUi();
    const result = await deployWith({ config, dir, baseDir: base, ui, provider: provider(config), render: fakeRender(cp.kubeconfigPath), dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(ui.out()).toMatch(/^\+ create network nkd-demo/m);
    expect(ui.out()).toMatch(/plan \(libvirt, cluster demo\): 9 to create, 0 to update, 0 to adopt, 0 unchanged/);
    expect(await Journal.read(new ClusterDir(dir).journal)).toBeUndefined();
    expect((await listDomains(v)).filter((d) => d.startsWith('demo-'))).toEqual([]);
  });

  it('names the late nodes, their state and where to look when nodes are not Ready in time', async () => {
    const { base, dir, config, names, provider } = await setup();
    const [master, worker] = names as [string, string];
    const err = await deployWith({
      config, dir, baseDir: base, ui: capturedUi(), provider: provider(config), render: fakeRender(cp.kubeconfigPath),
      timeouts: { apiMs: 30_000, nodesMs: 2_000 },
      afterPhase: async (p) => {
        if (p === 'provision') {
          await registerReadyNodes(cp.kubeconfigPath, [master]);
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NkdError);
    expect((err as NkdError).code).toBe(ExitCode.Timeout);
    expect((err as NkdError).message).toBe(`1 of 2 nodes not Ready after 2 s: ${worker}`);
    expect((err as NkdError).details).toEqual([
      `${worker}: not registered with the API server; look at serial console log /var/log/libvirt/qemu/demo-${worker}-console.log on the libvirt host, or: virsh -c test:///default console demo-${worker}`,
    ]);
  });

  it('reports a node that registered but is NotReady with the kubelet\'s reason', async () => {
    const { base, dir, config, names, provider } = await setup();
    const [master, worker] = names as [string, string];
    const err = await deployWith({
      config, dir, baseDir: base, ui: capturedUi(), provider: provider(config), render: fakeRender(cp.kubeconfigPath),
      timeouts: { apiMs: 30_000, nodesMs: 2_000 },
      afterPhase: async (p) => {
        if (p === 'provision') {
          await registerReadyNodes(cp.kubeconfigPath, [master]);
          await registerReadyNodes(cp.kubeconfigPath, [worker], false);
        }
      },
    }).catch((e: unknown) => e as NkdError);
    expect((err as NkdError).details[0]).toMatch(new RegExp(`^${worker}: Ready=False \\(KubeletNotReady: container runtime network not ready\\); look at serial console log`));
  });

  it('stops cleanly on Ctrl-C while waiting, and the next deploy resumes without creating anything twice', async () => {
    const { base, dir, config, names, provider } = await setup();
    const ac = new AbortController();
    const first = deployWith({
      config, dir, baseDir: base, ui: capturedUi(), provider: provider(config), render: fakeRender(cp.kubeconfigPath), signal: ac.signal,
      timeouts: { apiMs: 30_000, nodesMs: 60_000 },
      afterPhase: (p) => { if (p === 'wait for the API server') setTimeout(() => ac.abort(), 300); },
    });
    const err = await first.catch((e: unknown) => e as NkdError);
    expect((err as NkdError).code).toBe(ExitCode.Interrupted);
    const before = (await listDomains(v)).sort();
    const ui = capturedUi();
    await deployWith({
      config, dir, baseDir: base, ui, provider: provider(config), render: fakeRender(cp.kubeconfigPath),
      timeouts: { apiMs: 30_000, nodesMs: 30_000 },
      afterPhase: async (p) => { if (p === 'provision') await registerReadyNodes(cp.kubeconfigPath, names); },
    });
    expect((await listDomains(v)).sort()).toEqual(before);
    expect(ui.out()).toMatch(/plan \(libvirt, cluster demo\): 0 to create, 0 to update, 0 to adopt, 9 unchanged/);
  });

  it('installs the upgrade operator when enabled: its CRDs Established, then its objects', async () => {
    const opNs = uniqueNamespace('nkd-op');
    const { base, dir, config, names, provider } = await setup((doc) => {
      doc.spec.upgradeOperator = { enabled: true, image: 'registry.example.com/nkd/nkd:v1', namespace: opNs };
    });
    cleanup.push(async () => void (await core().deleteNamespace({ name: opNs }).catch(() => undefined)));
    const result = await deployWith({
      config, dir, baseDir: base, ui: capturedUi(), provider: provider(config), render: fakeRender(cp.kubeconfigPath),
      timeouts: { apiMs: 30_000, nodesMs: 30_000 },
      afterPhase: async (p) => { if (p === 'provision') await registerReadyNodes(cp.kubeconfigPath, names); },
    });
    expect(result.applied).toContain(`Namespace ${opNs}`);
    expect(result.applied.filter((a) => a.startsWith('CustomResourceDefinition ')).length).toBeGreaterThan(0);
    expect(result.applied.some((a) => a.startsWith(`Deployment ${opNs}/`))).toBe(true);
    const { AppsV1Api } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const deployments = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: opNs });
    expect(deployments.items.map((d) => d.spec?.template.spec?.containers[0]?.image)).toEqual(['registry.example.com/nkd/nkd:v1']);
  });

  it('converges when interrupted after any phase: the re-run recreates nothing and finishes', async () => {
    const { base, dir, config, names, provider } = await setup();
    const phases = ['preflight', 'render', 'plan', 'provision', 'wait for the API server', 'apply the CNI', 'wait for Ready nodes', 'apply post-hook manifests', 'install the upgrade operator'];
    const uuids = async () => Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await v.run(['domuuid', `demo-${n}`]).catch(() => 'missing')).trim()])));
    let before: Record<string, string> | undefined;
    for (const stopAfter of phases) {
      const err = await deployWith({
        config, dir, baseDir: base, ui: capturedUi(), provider: provider(config), render: fakeRender(cp.kubeconfigPath),
        timeouts: { apiMs: 30_000, nodesMs: 30_000 },
        afterPhase: async (p) => {
          if (p === 'provision') await registerReadyNodes(cp.kubeconfigPath, names);
          if (p === stopAfter) throw new NkdError(`killed after ${p}`, { code: ExitCode.Interrupted });
        },
      }).catch((e: unknown) => e as NkdError);
      expect({ stopAfter, message: (err as NkdError).message }).toEqual({ stopAfter, message: `killed after ${stopAfter}` });
      const now = await uuids();
      if (before && !Object.values(before).includes('missing')) expect(now).toEqual(before);
      before = now;
    }
    const ui = capturedUi();
    await deployWith({ config, dir, baseDir: base, ui, provider: provider(config), render: fakeRender(cp.kubeconfigPath), timeouts: { apiMs: 30_000, nodesMs: 30_000 } });
    expect(await uuids()).toEqual(before);
    expect(ui.out()).toMatch(/9 unchanged/);
    expect((await listDomains(v)).filter((d) => d.startsWith('demo-')).sort()).toEqual(names.map((n) => `demo-${n}`).sort());
  });

  it('extends a deployed cluster: only the added node is created, and the freshly rotated bootstrap token is registered in the cluster', async () => {
    const { base, dir, config, names, provider } = await setup();
    await deployWith({
      config, dir, baseDir: base, ui: capturedUi(), provider: provider(config), render: fakeRender(cp.kubeconfigPath),
      timeouts: { apiMs: 30_000, nodesMs: 30_000 },
      afterPhase: async (p) => { if (p === 'provision') await registerReadyNodes(cp.kubeconfigPath, names); },
    });
    const uuid = async (n: string) => (await v.run(['domuuid', `demo-${n}`])).trim();
    const before = await Promise.all(names.map(uuid));
    const extra = `worker-x${names[0]!.split('-').pop()}`;
    const { validClusterConfig } = await import('../../fixtures/cluster.js');
    const bigger = await validClusterConfig((doc) => {
      doc.spec.libvirt.osImage = config.spec.libvirt?.osImage;
      doc.spec.kubernetes.cni.manifest = config.spec.kubernetes.cni.manifest;
      doc.spec.upgradeOperator = { enabled: false };
      doc.spec.nodes = [...config.spec.nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, mac: n.mac })), { name: extra, role: 'worker', ip: '10.231.0.31' }];
    });
    cleanup.push(() => deleteNodes(cp.kubeconfigPath, [extra]));
    const calls: Array<{ rotateBootstrapToken?: boolean }> = [];
    const ui = capturedUi();
    await deployWith({
      config: bigger, dir, baseDir: base, ui, provider: provider(bigger), render: fakeRender(cp.kubeconfigPath, [], calls), mode: 'extend',
      timeouts: { apiMs: 30_000, nodesMs: 30_000 },
      afterPhase: async (p) => { if (p === 'provision') await registerReadyNodes(cp.kubeconfigPath, [extra]); },
    });
    expect(calls).toEqual([{ rotateBootstrapToken: true }]);
    const tokenId = (await readFile(join(dir, 'auth', 'bootstrap-token'), 'utf8')).split('.')[0]!;
    const secret = await core().readNamespacedSecret({ name: `bootstrap-token-${tokenId}`, namespace: 'kube-system' });
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
    expect(Buffer.from(secret.data!['usage-bootstrap-authentication']!, 'base64').toString()).toBe('true');
    cleanup.push(async () => void (await core().deleteNamespacedSecret({ name: `bootstrap-token-${tokenId}`, namespace: 'kube-system' }).catch(() => undefined)));
    expect(ui.out()).toMatch(/plan \(libvirt, cluster demo\): 3 to create, 1 to update, 0 to adopt, 8 unchanged/);
    expect(await Promise.all(names.map(uuid))).toEqual(before);
    expect(await v.run(['domstate', `demo-${extra}`])).toMatch(/running/);
    expect(ui.text()).toContain('✓ cluster demo extended: 3 nodes Ready');
  });
});
