import { jest } from '@jest/globals';
import type { UpgradeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import type { RunningOperator } from '../../../pkg/upgrade/operator/operator.js';
import { NEW_IMAGE, NEW_K8S, type SimCluster } from './sim-cluster.js';
import { newSim } from './setup.js';

jest.setTimeout(240_000);

let sim: SimCluster;
let namespace: string;
beforeEach(async () => { ({ sim, namespace } = await newSim()); });
afterEach(async () => { await sim?.stop(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LEASE_CALLS = new Set(['readLease', 'createLease', 'replaceLease']);

/**
 * The API of a replica that is killed right after its first write other than the Lease's: that
 * write lands, every later call of the replica fails as if the process were gone.
 */
function killAfterOneWrite(api: UpgradeApi, onKill: () => void): UpgradeApi {
  let dead = false;
  return new Proxy(api, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || LEASE_CALLS.has(String(prop))) return typeof v === 'function' ? v.bind(target) : v;
      const write = /^(create|replace|mergePatch|evict|delete|record)/.test(String(prop));
      return async (...args: unknown[]) => {
        if (dead) throw new Error('killed');
        const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (write) { dead = true; onKill(); }
        return out;
      };
    },
  });
}

describe('the upgrade operator across crashes and replicas (real API server, simulated nodes)', () => {
  it('resumes from the API alone when its replicas are killed over and over, with never two leaders at once', async () => {
    const cps = [await sim.addNode('cp-0', { controlPlane: true }), await sim.addNode('cp-1', { controlPlane: true })];
    const ws = [await sim.addNode('w-0'), await sim.addNode('w-1'), await sim.addNode('w-2')];
    const live: RunningOperator[] = [await sim.startOperator('op-0', namespace), await sim.startOperator('op-1', namespace)];
    let maxLeaders = 0;
    let sampling = true;
    const sampler = (async () => { while (sampling) { maxLeaders = Math.max(maxLeaders, live.filter((o) => o.isLeader).length); await sleep(20); } })();
    const up = await sim.createUpgrade('crashy', { osImage: NEW_IMAGE, kubernetesVersion: NEW_K8S, maxUnavailable: 2, healthGate: { settleSeconds: 0, timeoutSeconds: 60 } });
    let kills = 0;
    let done = false;
    for (let i = 1; !done && i < 60; i++) {
      await sleep(700);
      const leader = live.find((o) => o.isLeader);
      if (leader) {
        await leader.stop(true); // a crash: the Lease is not released
        live.splice(live.indexOf(leader), 1);
        kills += 1;
        live.push(await sim.startOperator(`op-${i + 1}`, namespace));
      }
      const u = await sim.upgrade(up.metadata.name);
      done = u.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
    }
    if (!done) await sim.untilCondition(up.metadata.name, 'Available', 'True', 120_000);
    sampling = false;
    await sampler;
    expect(kills).toBeGreaterThan(2);
    expect(maxLeaders).toBe(1);
    expect(sim.maxUnavailableSeen).toBeLessThanOrEqual(2);
    expect(cps[0]!.host.actions().filter((c) => c.includes('upgrade apply'))).toHaveLength(1);
    for (const n of [...cps, ...ws]) {
      expect(n.host.bootedImage).toBe(NEW_IMAGE);
      expect(n.host.actions().filter((c) => c.startsWith('rpm-ostree rebase'))).toHaveLength(1);
      expect((await sim.node(n.name)).spec?.unschedulable).toBeFalsy();
    }
  });

  it('resumes correctly when each replica is killed right after its first write, so a kill falls between every pair of steps', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    const ws = [await sim.addNode('w-0'), await sim.addNode('w-1')];
    const up = await sim.createUpgrade('killeach', { osImage: NEW_IMAGE, kubernetesVersion: NEW_K8S, maxUnavailable: 1, healthGate: { settleSeconds: 0, timeoutSeconds: 60 } });
    let replicas = 0;
    let done = false;
    while (!done && replicas < 200) {
      replicas += 1;
      let wrote = false;
      let op: RunningOperator | undefined;
      const killed = new Promise<void>((resolve) => {
        // a replica that dies (without releasing its Lease) the moment its first write returns
        void sim.startOperator(`one-write-${replicas}`, namespace, { lease: [1, 0.6, 0.1], wrapApi: (api) => killAfterOneWrite(api, () => { wrote = true; resolve(); }) }).then((o) => { op = o; });
      });
      const u = await Promise.race([killed.then(() => undefined), sleep(8000).then(() => sim.upgrade(up.metadata.name))]);
      while (!op) await sleep(10);
      await op.stop(true);
      if (!wrote) done = u?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
    }
    expect(done).toBe(true);
    expect(replicas).toBeGreaterThan(20); // every write of the rollout was followed by a kill
    expect(sim.maxUnavailableSeen).toBeLessThanOrEqual(1);
    expect(cp.host.actions().filter((c) => c.includes('upgrade apply'))).toHaveLength(1);
    for (const n of [cp, ...ws]) {
      expect(n.host.bootedImage).toBe(NEW_IMAGE);
      expect(n.host.actions().filter((c) => c.startsWith('rpm-ostree rebase'))).toHaveLength(1);
      expect((await sim.node(n.name)).spec?.unschedulable).toBeFalsy();
    }
    const recs = await sim.records(up.metadata.name);
    expect([...recs.values()].map((r) => r.status?.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  });

  it('never exceeds maxUnavailable when two controllers race without leader election (admission is guarded by resourceVersion)', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    for (let i = 0; i < 6; i++) await sim.addNode(`w-${i}`);
    // two replicas in different Lease namespaces: both lead, both reconcile the same Upgrade
    const other = `${namespace}-b`.slice(0, 63);
    await sim.core.createNamespace({ body: { metadata: { name: other } } });
    await sim.startOperator('racer-a', namespace);
    await sim.startOperator('racer-b', other);
    const up = await sim.createUpgrade('race', { osImage: NEW_IMAGE, maxUnavailable: 2, healthGate: { settleSeconds: 0, timeoutSeconds: 60 } });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 120_000);
    expect(sim.maxUnavailableSeen).toBeLessThanOrEqual(2);
    for (const n of sim.nodes.values()) expect(n.host.actions().filter((c) => c.startsWith('rpm-ostree rebase'))).toHaveLength(1);
  });
});
