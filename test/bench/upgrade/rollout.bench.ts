/**
 * Upgrade rollouts of 50 simulated nodes (1 control plane + 49 workers) with instant host steps
 * on a real kube-apiserver, at maxUnavailable 1 and 10, with the operator's production Lease
 * timing (15 s / 10 s / 2 s). Figures per rollout:
 *   node-cycle-median        a node's time from admission to Succeeded (host steps are instant,
 *                            the simulated reboot takes 0 ms)
 *   agent-part-median        of it, from the operator's go (hostStartedAt) to the agent's last
 *                            report: the agent's pickup, its writes, the simulated reboot
 *                            (kubelet NotReady/Ready) and the agent's restart
 *   handoff-overhead-median  the rest: what the operator adds (admission, cordon, drain pass,
 *                            reacting to the agent's report, health gate, uncordon)
 *   next-admission-gap-median with one slot: from a node's Succeeded to the next admission
 *   operator-requests-per-node / agent-requests-per-node / requests-per-node
 *                            API requests the operator's and the agents' calls made, divided by
 *                            the nodes (informer list/watch streams are not counted: 3 for the
 *                            operator, 1 per agent start)
 * Run: npm run bench -- upgrade/rollout   (needs hack/env/10-kube.sh, or NKD_TEST_KUBECONFIG)
 * NKD_BENCH_DETAIL=1 also prints the requests by call on stderr.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { NEW_IMAGE, SimCluster, kubeConfig } from '../../integration/upgrade/sim-cluster.js';
import type { Report } from '../run.js';
import { median } from '../stats.js';
import { benchApiServer } from './api-server.js';

const NODES = 50;
const t = (iso: string | undefined) => new Date(iso ?? 0).getTime();

async function rollout(path: string, report: Report, maxUnavailable: number): Promise<void> {
  const kc = kubeConfig(path);
  const sim = new SimCluster(kc, path);
  sim.rebootMs = 0;
  const ns = `bench-${sim.id}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  try {
    await sim.addNode('cp-0', { controlPlane: true });
    for (let i = 1; i < NODES; i++) await sim.addNode(`w-${i}`);
    const op = await sim.startOperator('bench', ns, { lease: [15, 10, 2] });
    await sim.until('the operator to lead', async () => op.isLeader && op.ready);
    const opBefore = op.api.requests;
    const agentBefore = sim.agentRequests().total;
    const t0 = Date.now();
    const up = await sim.createUpgrade('bench', { osImage: NEW_IMAGE, maxUnavailable, healthGate: { settleSeconds: 0, timeoutSeconds: 120 } });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 600_000);
    const wall = (Date.now() - t0) / 1000;
    const recs = [...(await sim.records(up.metadata.name)).values()].sort((a, b) => t(a.status?.admittedAt) - t(b.status?.admittedAt));
    // a node's cycle: admission to Succeeded; the agent's part: from the go (hostStartedAt) to
    // its last report (host work, simulated reboot, agent restart); the rest is the operator's
    const cycle = recs.map((r) => t(r.status?.finishedAt) - t(r.status?.admittedAt));
    const agent = recs.map((r) => t(r.status?.host?.updatedAt) - t(r.status?.hostStartedAt));
    const operator = recs.map((r, i) => (cycle[i] ?? 0) - (agent[i] ?? 0));
    // with one slot: from a node's Succeeded to the next node's admission
    const gaps = recs.slice(1).map((r, i) => t(r.status?.admittedAt) - t(recs[i]?.status?.finishedAt));
    const opRequests = op.api.requests - opBefore;
    const agentRequests = sim.agentRequests().total - agentBefore;
    const tag = `50-nodes-max-unavailable-${maxUnavailable}`;
    report(`${tag}/wall`, wall, 's');
    report(`${tag}/handoff-overhead-median`, median(operator) / 1000, 's');
    report(`${tag}/node-cycle-median`, median(cycle) / 1000, 's');
    report(`${tag}/agent-part-median`, median(agent) / 1000, 's');
    if (maxUnavailable === 1) report(`${tag}/next-admission-gap-median`, median(gaps) / 1000, 's');
    report(`${tag}/operator-requests-per-node`, opRequests / NODES, 'requests');
    report(`${tag}/agent-requests-per-node`, agentRequests / NODES, 'requests');
    report(`${tag}/requests-per-node`, (opRequests + agentRequests) / NODES, 'requests');
    if (process.env.NKD_BENCH_DETAIL) {
      const seg = (a: 'admittedAt' | 'drainStartedAt' | 'hostStartedAt' | 'verifyStartedAt', b: 'drainStartedAt' | 'hostStartedAt' | 'verifyStartedAt' | 'finishedAt') =>
        median(recs.map((r) => new Date(r.status?.[b] ?? 0).getTime() - new Date(r.status?.[a] ?? 0).getTime())).toFixed(0);
      console.error(`${tag} median ms: admit→cordon ${seg('admittedAt', 'drainStartedAt')}, drain ${seg('drainStartedAt', 'hostStartedAt')}, host ${seg('hostStartedAt', 'verifyStartedAt')}, verify ${seg('verifyStartedAt', 'finishedAt')}`);
      console.error(`${tag} operator by call:`, Object.fromEntries(op.api.requestsByCall), 'of them 409:', Object.fromEntries(op.api.conflictsByCall));
      console.error(`${tag} agents by call:`, Object.fromEntries(sim.agentRequests().byCall));
    }
  } finally {
    await sim.stop();
  }
}

/** Runs the benchmark. */
export async function run(report: Report): Promise<void> {
  const server = await benchApiServer('upgrade/rollout');
  if (!server) return;
  try {
    await rollout(server.path, report, 1);
    await rollout(server.path, report, 10);
  } finally {
    await server.stop();
  }
}
