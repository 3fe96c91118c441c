/**
 * The real cluster (issue 16, docs/testing.md "A real cluster"): `deploy` brings up a Kubernetes
 * cluster from nkd's rendered files on machines that boot them for real — system containers
 * with their own systemd, containerd, runc and a kubelet built from Go modules, their roots a
 * Debian STAND-IN for NestOS (with a STAND-IN rpm-ostree), each config applied by the real
 * ignition. Then `extend` adds a worker, `nkd upgrade` rolls a new Kubernetes version (a
 * STAND-IN patch release) and OS image through the real operator and agents running as pods
 * from nkd's own image, and `destroy` leaves nothing of the cluster. Run alone with
 * `bash hack/e2e-cluster.sh`.
 */
import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterConfig } from '../../../pkg/config/load.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { setHeaderOptions, VersionApi } from '@kubernetes/client-node';
import { applyObjects } from '../../../pkg/kube/apply.js';
import { ClientNodeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import { deploy, type DeployResult } from '../../../pkg/lifecycle/deploy.js';
import { destroy } from '../../../pkg/lifecycle/destroy.js';
import { Ui } from '../../../pkg/ui/output.js';
import { decodeResource } from '../../unit/ignition/decode.js';
import { sh, shTry, waitFor } from './host.js';
import { withDiagnostics } from './diagnose.js';
import { clients, waitControlPlanePods, waitPodsReady, webDeployment } from './kube-checks.js';
import { NspawnTestProvider } from './provider.js';
import { clusterFile, SITE, startSite, teardownSite, testNodes, VERSIONS, type Site } from './site.js';

const MIN = 60_000;
// each step waits on real machines; the upgrade alone reboots three of them
jest.setTimeout(45 * MIN);
let site: Site;
let dir: string;
let clusterYaml: string;
let busybox: string;
const figures: Record<string, number> = {};
const ui = new Ui('info', false, { out: (t) => void process.stderr.write(t), err: (t) => void process.stderr.write(t) });

async function load(workers: number): Promise<ClusterConfig> {
  await writeFile(clusterYaml, clusterFile(site, testNodes(workers)));
  return (await loadClusterConfig({ file: clusterYaml, env: {} })).config;
}

async function run(mode: 'deploy' | 'extend', config: ClusterConfig): Promise<DeployResult> {
  const provider = new NspawnTestProvider(site.machines);
  return deploy({ config, dir, baseDir: site.work, ui, mode, timeouts: { apiMs: 10 * MIN, nodesMs: 10 * MIN } }, { provider });
}

/** Every file the node's Ignition config wrote, compared with the file on the machine now. */
async function renderedFilesOnNode(node: string, except: RegExp): Promise<{ checked: number; differ: string[] }> {
  const ign = JSON.parse(await readFile(join(dir, 'ignition', `${node}.ign`), 'utf8')) as { storage: { files: Array<{ path: string; contents: { source: string; compression?: 'gzip' } }> } };
  const differ: string[] = [];
  let checked = 0;
  for (const f of ign.storage.files) {
    if (except.test(f.path)) continue;
    const want = createHash('sha256').update(decodeResource(f.contents)).digest('hex');
    const file = join(site.machines.root(node), f.path);
    const have = existsSync(file) ? createHash('sha256').update(await readFile(file)).digest('hex') : 'missing';
    checked++;
    if (want !== have) differ.push(f.path);
  }
  return { checked, differ };
}

/** Runs a command in a node's network namespace with the host's static busybox. */
const inNodeNet = (node: string, args: string[]): Promise<string> => sh(['ip', 'netns', 'exec', site.machines.netns(node), '/bin/busybox', ...args], { timeoutMs: 30_000 });

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'nkd-e2e-cluster-'));
  site = await startSite(work);
  busybox = (await sh(['bash', 'hack/cluster/e2e-busybox.sh', SITE.registry])).trim();
  dir = join(work, 'cluster');
  clusterYaml = join(work, 'cluster.yaml');
  ui.info(`site ready: ${JSON.stringify(site.timings)}`);
}, 40 * MIN);

afterAll(async () => {
  ui.info(`figures: ${JSON.stringify(figures)}`);
  if (!site) return;
  await teardownSite(site);
}, 5 * MIN);

describe('a real cluster from nkd deploy', () => {
  test('deploy brings up 1 control plane + 1 worker: nodes Ready, control-plane pods, the CNI and CoreDNS running', async () => {
    const t0 = performance.now();
    const result = await run('deploy', await load(1));
    figures['deploy to all nodes Ready (s)'] = Math.round(performance.now() - t0) / 1000;
    for (const p of result.phases) figures[`deploy phase ${p.name} (s)`] = p.ms / 1000;
    expect(result.hosts.map((h) => h.name)).toEqual(['cp-1', 'worker-1']);

    const { core } = clients(result.kubeconfig!);
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => [n.metadata!.name, n.status!.nodeInfo!.kubeletVersion])).toEqual([['cp-1', 'v1.37.1'], ['worker-1', 'v1.37.1']]);
    await waitControlPlanePods(core, 'cp-1', 5 * MIN);
    await waitPodsReady(core, 'kube-flannel', 'app=flannel', 2, 5 * MIN);
    await waitPodsReady(core, 'kube-system', 'k8s-app=kube-dns', 2, 5 * MIN);
    await waitPodsReady(core, 'kube-system', 'k8s-app=kube-proxy', 2, 5 * MIN);
  });

  test('the files on every node are the rendered ones: nothing was patched between render and boot', async () => {
    // kubeadm itself rewrites what it owns after init/join (the kubelet's kubeconfig rotates)
    for (const node of ['cp-1', 'worker-1']) {
      const r = await renderedFilesOnNode(node, /^\/etc\/kubernetes\/kubelet\.conf$/);
      expect(r.checked).toBeGreaterThan(5);
      expect(r.differ).toEqual([]);
    }
  });

  test('CoreDNS answers for the cluster domain and a Deployment scheduled on the worker serves across nodes', async () => {
    const { kc, core } = clients(join(dir, 'auth', 'admin.conf'));
    const dnsIp = (await core.readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' })).spec!.clusterIP!;
    const answer = await waitFor('CoreDNS to resolve kubernetes.default', async () => {
      const out = await inNodeNet('cp-1', ['nslookup', 'kubernetes.default.svc.cluster.local', dnsIp]);
      return /Address:\s*10\.96\.0\.1\b/.test(out) ? out : undefined;
    }, 2 * MIN, 2000);
    expect(answer).toContain('10.96.0.1');

    await applyObjects(kc, [webDeployment('web', busybox, 'worker-1') as never], { source: 'the e2e test' });
    const [pod] = await waitPodsReady(core, 'default', 'app=web', 1, 5 * MIN);
    expect(pod!.spec!.nodeName).toBe('worker-1');
    // from the control-plane node's network to the pod on the worker: flannel's routes
    expect((await inNodeNet('cp-1', ['wget', '-qO-', `http://${pod!.status!.podIP}:8080/`])).trim()).toBe(pod!.metadata!.name);
  });
});

/** The upgrade step: the CLI, the admin's cordons, and what every node runs afterwards. */
async function upgradeThreeNodes(admin: string): Promise<void> {
  const { kc, core, apps } = clients(admin);
  const api = new ClientNodeApi(kc, 'nkd-e2e');
  await waitPodsReady(core, 'nkd-system', 'app.kubernetes.io/name=nkd-upgrade-operator', 1, 5 * MIN);
  await waitPodsReady(core, 'nkd-system', 'app.kubernetes.io/name=nkd-upgrade-agent', 3, 5 * MIN);
  // a workload that may lose one pod at a time, allowed onto the control plane too
  const guarded = webDeployment('guarded', busybox, 'worker-1', 2) as any;
  delete guarded.spec.template.spec.nodeSelector;
  guarded.spec.template.spec.tolerations = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }];
  const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guarded', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } };
  await applyObjects(kc, [guarded, pdb as never], { source: 'the e2e test' });
  await waitPodsReady(core, 'default', 'app=guarded', 2, 5 * MIN);
  const cordon = (name: string, on: boolean) => core.patchNode({ name, body: [{ op: 'replace', path: '/spec/unschedulable', value: on }] }, setHeaderOptions('Content-Type', 'application/json-patch+json'));
  // the admin cordons worker-2 for reasons of their own before the rollout
  await cordon('worker-2', true);

  const t0 = performance.now();
  const cli = shTry(['node', 'dist/cmd/nkd/main.js', 'upgrade', '--dir', dir, '--name', 'e2e', '--kubernetes-version', VERSIONS.upgradeTo, '--os-image', site.osImages[VERSIONS.upgradeTo]!, '--max-unavailable', '2'], { timeoutMs: 40 * MIN });
  const phase = async (node: string) => (await api.listNodeUpgrades()).find((r) => r.spec.nodeName === node)?.status?.phase;
  // worker-2 is held back, and the Upgrade says why
  const held = await waitFor('the Upgrade to name worker-2 as cordoned by someone else', async () => {
    const u = await api.getUpgrade('e2e');
    return u?.status?.waiting?.find((w) => w.node === 'worker-2' && w.reason === 'NodeCordoned');
  }, 10 * MIN, 2000);
  expect(held.message).toBeTruthy();
  // worker-1 finishes its turn; then the admin cordons it and lets worker-2 go
  await waitFor('worker-1 to reach the target', async () => ((await phase('worker-1')) === 'Succeeded' ? true : undefined), 20 * MIN, 2000);
  await cordon('worker-1', true);
  await cordon('worker-2', false);
  const up = await cli;
  figures['upgrade of 3 nodes, admin waits included (s)'] = Math.round(performance.now() - t0) / 1000;
  ui.info(up.out.slice(-3000));
  expect(up.code).toBe(0);

  const nodes = (await core.listNode()).items;
  expect(Object.fromEntries(nodes.map((n) => [n.metadata!.name, n.status!.nodeInfo!.kubeletVersion]))).toEqual({ 'cp-1': 'v1.37.2', 'worker-1': 'v1.37.2', 'worker-2': 'v1.37.2' });
  expect((await kc.makeApiClient(VersionApi).getCode()).gitVersion).toBe('v1.37.2');
  // the operator lifted only its own cordons
  expect(Object.fromEntries(nodes.map((n) => [n.metadata!.name, !!n.spec!.unschedulable]))).toEqual({ 'cp-1': false, 'worker-1': true, 'worker-2': false });
  for (const node of ['cp-1', 'worker-1', 'worker-2']) {
    const booted = (JSON.parse(await site.machines.exec(node, ['rpm-ostree', 'status', '--json'])) as { deployments: Array<{ booted?: boolean; 'container-image-reference'?: string }> }).deployments.find((d) => d.booted);
    expect(booted?.['container-image-reference']).toBe(`ostree-unverified-registry:${site.osImages[VERSIONS.upgradeTo]}`);
  }
  // every control-plane pod runs the new version's image
  const cpImages = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'tier=control-plane' })).items.flatMap((p) => p.spec!.containers.map((c) => c.image!));
  expect(cpImages.filter((i) => /kube-(apiserver|controller-manager|scheduler)/.test(i)).every((i) => i.endsWith(':v1.37.2'))).toBe(true);
  // the guarded workload is whole again; its PDB was respected by every drain (the eviction API refuses otherwise)
  await waitFor('the guarded Deployment to have 2 ready pods', async () => ((await apps.readNamespacedDeployment({ name: 'guarded', namespace: 'default' })).status?.readyReplicas === 2 ? true : undefined), 5 * MIN, 2000);
}

describe('extend, upgrade and destroy the real cluster', () => {
  test('extend adds a worker that joins with the fresh join token', async () => {
    const before = (await readFile(join(dir, 'auth', 'bootstrap-token'), 'utf8')).trim();
    const t0 = performance.now();
    const result = await run('extend', await load(2));
    figures['extend to the new node Ready (s)'] = Math.round(performance.now() - t0) / 1000;
    const token = (await readFile(join(dir, 'auth', 'bootstrap-token'), 'utf8')).trim();
    expect(token).not.toBe(before);
    expect(result.hosts.map((h) => h.name)).toEqual(['cp-1', 'worker-1', 'worker-2']);
    // the new worker's kubeadm file carries the new token, and the cluster knows it
    expect(await readFile(join(site.machines.root('worker-2'), 'etc/nkd/kubeadm.yaml'), 'utf8')).toContain(token);
    const { core } = clients(result.kubeconfig!);
    await core.readNamespacedSecret({ name: `bootstrap-token-${token.split('.')[0]}`, namespace: 'kube-system' });
    const w2 = await core.readNode({ name: 'worker-2' });
    expect(w2.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    await waitPodsReady(core, 'kube-flannel', 'app=flannel', 3, 5 * MIN);
  });

  test('nkd upgrade rolls Kubernetes 1.37.2 (stand-in) and a new OS image through the real operator and agents: drains honour a PodDisruptionBudget, an admin cordon holds a node back with a reason, a node the admin cordons after its turn stays cordoned', async () => {
    const admin = join(dir, 'auth', 'admin.conf');
    await withDiagnostics((t) => ui.info(t), admin, site.machines, ['cp-1', 'worker-1', 'worker-2'], () => upgradeThreeNodes(admin));
  });

  test('destroy leaves nothing of the cluster: machines, network namespaces, cgroups', async () => {
    const report = await destroy({ dir, ui }, { provider: new NspawnTestProvider(site.machines) });
    expect(report.remaining).toEqual([]);
    expect(report.deleted.map((r) => r.name).sort()).toEqual(['cp-1', 'worker-1', 'worker-2']);
    const netns = (await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith('nkdc-'));
    expect(netns).toEqual([]);
    expect((await sh(['ip', '-br', 'link'])).split('\n').filter((l) => l.startsWith('nkv'))).toEqual([]);
    expect((await shTry(['ls', site.machines.c.workDir])).out.trim()).toBe('');
    expect((await sh(['bash', '-c', 'ps -eo comm | grep -c "^systemd-nspawn$" || true'])).trim()).toBe('0');
    expect((await sh(['bash', '-c', 'find /sys/fs/cgroup -maxdepth 4 -type d -name nkd-e2e | wc -l'])).trim()).toBe('0');
  });
});
