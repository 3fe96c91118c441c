/**
 * Memory of the operator as its own process (node dist/cmd/operator/main.js, as in the
 * Deployment) while it leads and watches 5,000 Node objects shaped like a kubelet's (status
 * with conditions, addresses, capacity, node info and 30 images; the API server adds
 * managedFields) and plans one paused Upgrade over all of them. Figures: resident set size
 * (VmRSS) once the Upgrade's status counts every node, its peak (VmHWM), and the same process
 * watching no Node for comparison. NKD_BENCH_NODES changes the count.
 * Run: npm run build && npm run bench -- upgrade/operator-memory   (needs hack/env/10-kube.sh)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type V1Node } from '@kubernetes/client-node';
import { packageRoot } from '../../../pkg/paths.js';
import { OPERATOR_NODE_FLAGS } from '../../../pkg/upgrade/install/manifests.js';
import type { Upgrade } from '../../../pkg/upgrade/api/types.js';
import { API_VERSION, GROUP, UPGRADES, VERSION } from '../../../pkg/upgrade/api/vocabulary.js';
import { freePort } from '../../harness/ports.js';
import { kubeConfig, NEW_IMAGE } from '../../integration/upgrade/sim-cluster.js';
import type { Report } from '../run.js';
import { benchApiServer } from './api-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Node as a kubelet registers it. */
function kubeletNode(name: string, labels: Record<string, string>, i: number): V1Node {
  const now = new Date();
  const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: `kubelet reports ${reason}`, lastHeartbeatTime: now, lastTransitionTime: now });
  const qty = { cpu: '16', memory: '65843012Ki', pods: '110', 'ephemeral-storage': '102334Mi' };
  return {
    metadata: {
      name,
      labels: { ...labels, 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'm5.4xlarge', 'topology.kubernetes.io/zone': `zone-${i % 3}` },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/crio/crio.sock' },
    },
    spec: { podCIDR: `10.${(i >> 8) & 255}.${i & 255}.0/24`, podCIDRs: [`10.${(i >> 8) & 255}.${i & 255}.0/24`] },
    status: {
      conditions: [cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), cond('PIDPressure', 'False', 'KubeletHasSufficientPID'), cond('Ready', 'True', 'KubeletReady')],
      addresses: [{ type: 'InternalIP', address: `172.16.${(i >> 8) & 255}.${i & 255}` }, { type: 'Hostname', address: name }],
      capacity: qty, allocatable: qty,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: 'f'.repeat(32), systemUUID: `uuid-${i}`, bootID: `boot-${i}`, kernelVersion: '6.6.0-28.0.0.34.oe2403.x86_64', osImage: 'NestOS For Container 24.03', containerRuntimeVersion: 'cri-o://1.29.1', kubeletVersion: 'v1.36.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
      images: Array.from({ length: 30 }, (_, k) => ({ names: [`registry.example/team-${k}/app@sha256:${String(k).padStart(64, '0')}`, `registry.example/team-${k}/app:v1.${k}.0`], sizeBytes: 10_000_000 + k })),
    },
  };
}

function vm(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  } catch { return { status: 0, body: '' }; }
}

/** Starts the operator process and waits until it leads with synced caches. */
async function startOperator(path: string, ns: string, selector: string): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const flags = process.env.NKD_BENCH_OPERATOR_NODE_FLAGS?.split(' ').filter(Boolean) ?? OPERATOR_NODE_FLAGS;
  const proc = spawn(process.execPath, [...flags, join(packageRoot(), 'dist', 'cmd', 'operator', 'main.js'),
    '--kubeconfig', path, '--namespace', ns, '--identity', 'bench', '--metrics-address', `127.0.0.1:${port}`,
    '--node-selector', selector, '--upgrade-selector', selector], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`the operator exited with ${proc.exitCode}`);
    const m = await get(port, '/metrics');
    if (/^nkd_upgrade_leader\{\} 1$/m.test(m.body) && (await get(port, '/readyz')).status === 200) return { proc, port };
    await sleep(200);
  }
  proc.kill('SIGKILL');
  throw new Error('the operator did not lead with synced caches within 120 s');
}

async function stopOperator(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

/** Runs the benchmark. */
export async function run(report: Report): Promise<void> {
  const count = Number(process.env.NKD_BENCH_NODES ?? 5000);
  const server = await benchApiServer('upgrade/operator-memory');
  if (!server) return;
  const kc = kubeConfig(server.path);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const id = Math.random().toString(16).slice(2, 10);
  const selector = `nkd-bench=${id}`;
  const ns = `bench-mem-${id}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  try {
    // the same process watching nothing
    const idle = await startOperator(server.path, ns, selector);
    await sleep(3000);
    report('operator-rss-watching-0-nodes', vm(idle.proc.pid as number).rss, 'MiB');
    await stopOperator(idle.proc);

    for (let i = 0; i < count; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        core.createNode({ body: kubeletNode(`bench-${id}-${i + j}`, { 'nkd-bench': id }, i + j) })));
    }
    const body: Upgrade = { apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name: `bench-${id}`, labels: { 'nkd-bench': id } }, spec: { osImage: NEW_IMAGE, paused: true, nodeSelector: { matchLabels: { 'nkd-bench': id } } } };
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, body });

    const t0 = Date.now();
    const op = await startOperator(server.path, ns, selector);
    const pid = op.proc.pid as number;
    while (Date.now() - t0 < 300_000) {
      const u = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name: body.metadata.name })) as Upgrade;
      if (u.status?.counts?.total === count) break;
      await sleep(250);
    }
    report(`operator-sync-and-plan-${count}-nodes`, (Date.now() - t0) / 1000, 's');
    await sleep(3000);
    const m = vm(pid);
    const heap = Number(/^nodejs_heap_size_used_bytes\{\} (\d+)$/m.exec((await get(op.port, '/metrics')).body)?.[1] ?? NaN);
    report(`operator-rss-watching-${count}-nodes`, m.rss, 'MiB');
    report(`operator-heap-used-watching-${count}-nodes`, heap / 1048576, 'MiB');
    report(`operator-peak-rss-watching-${count}-nodes`, m.hwm, 'MiB');
    await stopOperator(op.proc);
  } finally {
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name: `bench-${id}` }).catch(() => undefined);
    await core.deleteCollectionNode({ labelSelector: selector }).catch(() => undefined);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await server.stop();
  }
}
