// The operator with a person acting during a rollout (docs/adr/0202): admin cordons before, during
// and after a node's turn, and a drain blocked by a PodDisruptionBudget — on the real API server
// (and kube-controller-manager for PDB status) with simulated nodes.
import { jest } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, PolicyV1Api, setHeaderOptions, type CoreV1Event } from '@kubernetes/client-node';
import { Annotation, GROUP, UPGRADES, VERSION } from '../../../pkg/upgrade/api/vocabulary.js';
import { NEW_IMAGE, type SimCluster } from './sim-cluster.js';
import { newSim } from './setup.js';
import { pdbFor, podOn } from './pods.js';

jest.setTimeout(180_000);

const fast = { healthGate: { settleSeconds: 0, timeoutSeconds: 30 }, drain: { timeoutSeconds: 120 } };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let sim: SimCluster;
let namespace: string;
beforeEach(async () => { ({ sim, namespace } = await newSim()); });
afterEach(async () => { await sim?.stop(); });

/** kubectl cordon / uncordon as an admin does it (its own field manager). */
async function setCordon(node: string, on: boolean): Promise<void> {
  await sim.core.patchNode({ name: node, body: { spec: { unschedulable: on ? true : null } }, fieldManager: 'kubectl-cordon' }, merge);
}

/** A Ready pod on the node and a PodDisruptionBudget that forbids evicting it. */
async function protectedPod(node: string, app: string): Promise<void> {
  await podOn(sim, namespace, node, app);
  await pdbFor(sim, namespace, app);
}

/** Events about an object (the operator records them in "default"). */
async function events(name: string): Promise<CoreV1Event[]> {
  return (await sim.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items;
}

describe('the upgrade operator with a human in the loop (real API server, simulated nodes)', () => {
  it('names an admin-cordoned node that holds the rollout, in the condition, the Blocked column and an Event, and rolls it once the admin uncordons it', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    await sim.addNode('w-0');
    const held = await sim.addNode('w-1');
    await setCordon(held.name, true);
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('held', { osImage: NEW_IMAGE, maxUnavailable: 2, ...fast }); // the cordon takes one of the two slots
    const name = up.metadata.name;

    const u = await sim.until('the Upgrade to name the cordoned node', async () => {
      const x = await sim.upgrade(name);
      return x.status?.blocked?.reason === 'NodeCordoned' && x.status.counts?.succeeded === 2 ? x : undefined;
    });
    const why = 'cordoned by someone else, not by this Upgrade: uncordon it to let it in, or list it in spec.skipNodes or spec.excludeNodes';
    expect(u.status?.blocked).toEqual({ node: held.name, reason: 'NodeCordoned', message: why, summary: `${held.name} NodeCordoned` });
    expect(u.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NodeCordoned', message: `waiting for ${held.name} (NodeCordoned: ${why})` });
    expect(u.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', message: '2/3 node(s) at the target' });
    expect(u.status?.waiting).toEqual([{ node: held.name, stage: 'workers', reason: 'NodeCordoned', message: why }]);
    expect(held.host.actions()).toEqual([]);
    const ev = await sim.until('the Warning Event on the Upgrade', async () => (await events(name)).find((e) => e.reason === 'NodeCordoned'));
    expect(ev).toMatchObject({ type: 'Warning', message: `${held.name}: ${why}`, involvedObject: { kind: 'Upgrade', name } });

    await setCordon(held.name, false);
    const done = await sim.untilCondition(name, 'Available', 'True', 60_000);
    expect(done.status?.blocked).toBeUndefined();
    expect(held.host.bootedImage).toBe(NEW_IMAGE);
    const n = await sim.node(held.name);
    expect(n.spec?.unschedulable).toBeFalsy();
    expect(n.metadata?.annotations?.[Annotation.cordonedBy]).toBeUndefined();
  });

  it('releases the slot of a node at the target that the admin keeps cordoned', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const w0 = await sim.addNode('w-0');
    const w1 = await sim.addNode('w-1');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('release', { osImage: NEW_IMAGE, maxUnavailable: 1, ...fast });
    const name = up.metadata.name;
    // hold the rollout once w-0 is in flight, let w-0 finish, then the admin cordons it
    await sim.until('w-0 to be admitted', async () => (await sim.upgrade(name)).status?.inFlight?.includes(w0.name));
    await sim.patchUpgrade(name, { paused: true });
    await sim.until('w-0 to succeed', async () => (await sim.records(name)).get(w0.name)?.status?.phase === 'Succeeded');
    await setCordon(w0.name, true);
    await sim.patchUpgrade(name, { paused: false });

    const done = await sim.untilCondition(name, 'Available', 'True', 60_000);
    expect(done.status?.counts).toMatchObject({ total: 3, succeeded: 3 });
    expect(w1.host.bootedImage).toBe(NEW_IMAGE);
    const n = await sim.node(w0.name);
    expect(n.spec?.unschedulable).toBe(true); // the admin's cordon stays
    expect(n.metadata?.annotations?.[Annotation.cordonedBy]).toBeUndefined();
  });

  it('cordons a node again when someone uncordons it during its drain, and lifts only its own cordon at the end', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    await protectedPod(cp.name, 'web');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('recordon', { osImage: NEW_IMAGE, ...fast });
    const name = up.metadata.name;
    await sim.until('the drain to be blocked', async () => (await sim.records(name)).get(cp.name)?.status?.blockedBy);

    await setCordon(cp.name, false);
    await sim.until('the operator to cordon it again', async () => (await sim.node(cp.name)).spec?.unschedulable === true);
    const record = (await sim.records(name)).get(cp.name);
    const ev = await sim.until('the CordonReasserted Event', async () => (await events(record?.metadata.name ?? '')).find((e) => e.reason === 'CordonReasserted'));
    expect(ev).toMatchObject({ type: 'Warning', message: `${cp.name}: uncordoned during Draining; cordoned again until its upgrade is done` });

    await sim.kc.makeApiClient(PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name: 'web-pdb', namespace });
    await sim.untilCondition(name, 'Available', 'True', 60_000);
    const n = await sim.node(cp.name);
    expect(n.spec?.unschedulable).toBeFalsy();
    expect(n.metadata?.annotations?.[Annotation.cordonedBy]).toBeUndefined();
  });

  it('keeps the cordon of an admin who uncordoned and cordoned a node again while the operator was not looking', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    await protectedPod(cp.name, 'db');
    const op = await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('keep', { osImage: NEW_IMAGE, ...fast });
    const name = up.metadata.name;
    await sim.until('the drain to be blocked', async () => (await sim.records(name)).get(cp.name)?.status?.blockedBy);
    await op.stop(true);
    await setCordon(cp.name, false);
    await setCordon(cp.name, true); // the operator's annotation is still there; the API server knows who set the field
    await sim.kc.makeApiClient(PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name: 'db-pdb', namespace });
    await sim.startOperator('op-b', namespace);
    await sim.untilCondition(name, 'Available', 'True', 60_000);
    const n = await sim.node(cp.name);
    expect(n.spec?.unschedulable).toBe(true);
    expect(n.metadata?.annotations?.[Annotation.cordonedBy]).toBeUndefined();
  });

  it('names the node, pod and PodDisruptionBudget of a blocked drain in the Upgrade\'s condition, its Blocked column and an Event', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    await protectedPod(cp.name, 'api');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('pdb', { osImage: NEW_IMAGE, ...fast });
    const name = up.metadata.name;
    const pod = `${namespace}/api-0`;
    const pdb = `${namespace}/api-pdb`;
    const u = await sim.until('the Upgrade to name the blocked drain', async () => { const x = await sim.upgrade(name); return x.status?.blocked?.reason === 'DrainBlocked' ? x : undefined; });
    const message = `drain blocked by pod ${pod} (PodDisruptionBudget ${pdb}): evicting it would violate PodDisruptionBudget ${pdb}`;
    expect(u.status?.blocked).toEqual({ node: cp.name, reason: 'DrainBlocked', pod, pdb, message, summary: `${cp.name} DrainBlocked pod=${pod} pdb=${pdb}` });
    expect(u.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'DrainBlocked', message: `stage control-plane; ${cp.name}: ${message}` });

    // what `kubectl get upgrades` shows: the API server's Table with the printer columns
    const table = await sim.kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name },
      setHeaderOptions('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io')) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    const col = table.columnDefinitions.findIndex((c) => c.name === 'Blocked');
    expect(col).toBeGreaterThan(0);
    expect(table.rows[0]?.cells[col]).toBe(`${cp.name} DrainBlocked pod=${pod} pdb=${pdb}`);

    const ev = await sim.until('the Warning Event on the Upgrade', async () => (await events(name)).find((e) => e.reason === 'DrainBlocked'));
    expect(ev).toMatchObject({ type: 'Warning', message: `${cp.name}: ${message}`, involvedObject: { kind: 'Upgrade', name } });
    expect((await events(name)).filter((e) => e.reason === 'DrainBlocked')).toHaveLength(1); // on the transition only
  });
});
