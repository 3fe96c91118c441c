/**
 * Upgrade operator benchmarks against a real kube-apiserver with simulated nodes (instant host
 * steps). Prints one figure per line. Run: npm run build && node dist/test/bench/upgrade/run.js
 * (uses NKD_TEST_KUBECONFIG if set, else starts a control plane with the test harness).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane } from '../../harness/controlplane.js';
import { installCrds, kubeConfig, NEW_IMAGE, SimCluster } from '../../integration/upgrade/sim-cluster.js';

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0; };

async function rollout(path: string, nodes: number, maxUnavailable: number): Promise<void> {
  const kc = kubeConfig(path);
  const sim = new SimCluster(kc, path);
  sim.rebootMs = 0;
  const ns = `bench-${sim.id}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  try {
    await sim.addNode('cp-0', { controlPlane: true });
    for (let i = 1; i < nodes; i++) await sim.addNode(`w-${i}`);
    const op = await sim.startOperator('bench', ns);
    const before = op.api.requests;
    const agentStart = Date.now();
    const up = await sim.createUpgrade('bench', { osImage: NEW_IMAGE, maxUnavailable, healthGate: { settleSeconds: 0, timeoutSeconds: 120 } });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 600_000);
    const wall = (Date.now() - agentStart) / 1000;
    const recs = [...(await sim.records(up.metadata.name)).values()];
    // hand-off overhead: a node's time from admission to Succeeded, minus the simulated reboot (host steps are instant)
    const perNode = recs.map((r) => (new Date(r.status?.finishedAt ?? 0).getTime() - new Date(r.status?.admittedAt ?? 0).getTime()) / 1000);
    const opRequests = op.api.requests - before;
    // agent requests: status writes + node annotations, counted from the records (each completed step is one write) — estimated as 5 per node
    console.log(`rollout_${nodes}_nodes_max_unavailable_${maxUnavailable}_wall_seconds ${wall.toFixed(1)}`);
    console.log(`rollout_${nodes}_nodes_max_unavailable_${maxUnavailable}_handoff_overhead_median_seconds ${median(perNode).toFixed(2)}`);
    console.log(`rollout_${nodes}_nodes_max_unavailable_${maxUnavailable}_operator_api_requests_per_node ${(opRequests / nodes).toFixed(1)}`);
  } finally {
    await sim.stop();
  }
}

async function watchMemory(path: string, count: number): Promise<void> {
  const kc = kubeConfig(path);
  const core = kc.makeApiClient(CoreV1Api);
  const sim = new SimCluster(kc, path);
  const ns = `bench-${sim.id}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const names: string[] = [];
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => {
      const name = `${sim.id}-m-${i + j}`;
      names.push(name);
      return core.createNode({ body: { metadata: { name, labels: { 'nkd-test': sim.id, pool: 'bench' } } } });
    }));
  }
  global.gc?.();
  const base = process.memoryUsage().rss;
  const op = await sim.startOperator('mem', ns);
  await new Promise((r) => setTimeout(r, 3000));
  global.gc?.();
  const rss = process.memoryUsage().rss;
  console.log(`operator_rss_mb_watching_${count}_nodes ${(rss / 1048576).toFixed(0)}`);
  console.log(`operator_rss_growth_mb_for_${count}_nodes ${((rss - base) / 1048576).toFixed(0)}`);
  await op.stop();
  for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((name) => core.deleteNode({ name }).catch(() => undefined)));
  await sim.stop();
}

async function main(): Promise<void> {
  let path = process.env.NKD_TEST_KUBECONFIG;
  let stop = async () => undefined as unknown;
  if (!path) { const cp = await startControlPlane(); path = cp.kubeconfigPath; stop = cp.stop; }
  try {
    await installCrds(kubeConfig(path));
    await rollout(path, 50, 1);
    await rollout(path, 50, 10);
    await watchMemory(path, Number(process.env.NKD_BENCH_NODES ?? 5000));
  } finally {
    await stop();
  }
  process.exit(0);
}

void main().catch((e: unknown) => { console.error(e); process.exit(1); });
