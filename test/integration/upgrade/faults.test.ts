import { jest } from '@jest/globals';
import { PolicyV1Api } from '@kubernetes/client-node';
import { Annotation } from '../../../pkg/upgrade/api/vocabulary.js';
import { NEW_IMAGE, OLD_IMAGE, type SimCluster } from './sim-cluster.js';
import { newSim } from './setup.js';
import { pdbFor, podOn as podOnNode } from './pods.js';

jest.setTimeout(180_000);

let sim: SimCluster;
let namespace: string;
beforeEach(async () => { ({ sim, namespace } = await newSim()); });
afterEach(async () => { await sim?.stop(); });

const fast = { healthGate: { settleSeconds: 0, timeoutSeconds: 30 }, drain: { timeoutSeconds: 60 } };

const podOn = (node: string, app: string) => podOnNode(sim, namespace, node, app);
const pdb = (app: string) => pdbFor(sim, namespace, app);

describe('the upgrade operator under faults (real API server, simulated nodes)', () => {
  it('reports the pod and PodDisruptionBudget that block a drain, and continues once the budget allows it', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    await podOn(cp.name, 'web');
    await pdb('web');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('pdb', { osImage: NEW_IMAGE, ...fast });
    const blocked = await sim.until('the drain to report its blocker', async () => (await sim.records(up.metadata.name)).get(cp.name)?.status?.blockedBy);
    expect(blocked).toEqual({ pod: `${namespace}/web-0`, pdb: `${namespace}/web-pdb`, reason: `evicting it would violate PodDisruptionBudget ${namespace}/web-pdb` });
    expect(cp.host.actions()).toEqual([]);
    await sim.kc.makeApiClient(PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name: 'web-pdb', namespace });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    expect(cp.host.bootedImage).toBe(NEW_IMAGE);
  });

  it('fails a node whose drain times out, keeps its slot, turns Degraded, and moves on when the admin skips it', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const w0 = await sim.addNode('w-0');
    const w1 = await sim.addNode('w-1');
    await podOn(w0.name, 'stuck');
    await pdb('stuck');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('timeout', { osImage: NEW_IMAGE, maxUnavailable: 1, ...fast, drain: { timeoutSeconds: 2 } });
    const u = await sim.untilCondition(up.metadata.name, 'Degraded', 'True', 60_000, 'NodeFailed');
    expect(u.status?.inFlight).toEqual([w0.name]);
    const rec = (await sim.records(up.metadata.name)).get(w0.name);
    expect(rec?.status).toMatchObject({ phase: 'Failed', reason: 'DrainTimeout' });
    expect(rec?.status?.message).toMatch(/drain did not finish within 2s; 1 pod\(s\) left; blocked by .*stuck-0/);
    expect(w1.host.actions()).toEqual([]);
    expect((await sim.node(w0.name)).spec?.unschedulable).toBe(true);
    await sim.patchUpgrade(up.metadata.name, { skipNodes: [w0.name] });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    expect(w1.host.bootedImage).toBe(NEW_IMAGE);
    expect((await sim.node(w0.name)).spec?.unschedulable).toBeFalsy();
    expect((await sim.records(up.metadata.name)).get(w0.name)?.status?.phase).toBe('Skipped');
  });

  it('force-deletes the remaining pods when the drain policy says ForceDelete', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    await podOn(cp.name, 'forced');
    await pdb('forced');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('force', { osImage: NEW_IMAGE, ...fast, drain: { timeoutSeconds: 1, onTimeout: 'ForceDelete' } });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    expect(cp.host.bootedImage).toBe(NEW_IMAGE);
  });

  it('fails a node whose rebase fails, and completes it after the admin retries it', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    cp.host.faults.rebaseFails = true;
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('rebase', { osImage: NEW_IMAGE, ...fast });
    await sim.untilCondition(up.metadata.name, 'Degraded', 'True', 60_000, 'NodeFailed');
    const rec = (await sim.records(up.metadata.name)).get(cp.name);
    expect(rec?.status).toMatchObject({ phase: 'Failed', reason: 'HostStepsFailed' });
    expect(rec?.status?.message).toMatch(/^Rebase: rpm-ostree rebase .* exited 1/);
    cp.host.faults.rebaseFails = false;
    await sim.patchUpgrade(up.metadata.name, { retryNodes: [cp.name] });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    expect((await sim.records(up.metadata.name)).get(cp.name)?.spec.attempt).toBe(2);
  });

  it('fails a node whose agent never takes up the host work within spec.host.timeoutSeconds, and completes it once the agent is back and the admin retries', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    await sim.stopAgent(cp.name);
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('deadagent', { osImage: NEW_IMAGE, ...fast, host: { timeoutSeconds: 2 } });
    const u = await sim.untilCondition(up.metadata.name, 'Degraded', 'True', 60_000, 'NodeFailed');
    const rec = (await sim.records(up.metadata.name)).get(cp.name);
    expect(rec?.status).toMatchObject({ phase: 'Failed', reason: 'HostStepsTimeout' });
    expect(rec?.status?.message).toBe('no agent took up the host work (is the nkd-upgrade-agent pod running on the node?) within spec.host.timeoutSeconds (2s)');
    expect(rec?.spec.hostSteps).toBe(false); // a late agent starts nothing
    expect(u.status?.inFlight).toEqual([cp.name]); // the failed node keeps its slot
    expect((await sim.node(cp.name)).spec?.unschedulable).toBe(true);
    expect(cp.host.actions()).toEqual([]);
    await sim.restartAgent(cp.name);
    await sim.patchUpgrade(up.metadata.name, { retryNodes: [cp.name], host: { timeoutSeconds: 60 } });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    expect(cp.host.bootedImage).toBe(NEW_IMAGE);
    expect((await sim.node(cp.name)).spec?.unschedulable).toBeFalsy();
  });

  it('rolls out through API conflicts from other writers without exceeding the budget or repeating a host step', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const ws = [await sim.addNode('w-0'), await sim.addNode('w-1'), await sim.addNode('w-2')];
    const op = await sim.startOperator('op-a', namespace);
    const patches = sim.startConflictStorm();
    const up = await sim.createUpgrade('conflicts', { osImage: NEW_IMAGE, maxUnavailable: 1, ...fast });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 120_000);
    expect(patches()).toBeGreaterThan(20);
    expect(op.metrics.render()).toMatch(/nkd_upgrade_reconcile_errors_total\{[^}]*\} [1-9]/); // conflicts did happen
    expect(sim.maxUnavailableSeen).toBeLessThanOrEqual(1);
    for (const n of sim.nodes.values()) {
      expect(n.host.bootedImage).toBe(NEW_IMAGE);
      expect(n.host.actions().filter((a) => a.startsWith('rpm-ostree rebase'))).toHaveLength(1);
    }
    for (const w of ws) expect((await sim.node(w.name)).spec?.unschedulable).toBeFalsy();
  });

  it('fails a node that boots into the old deployment', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    cp.host.faults.bootIntoOld = true;
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('oldboot', { osImage: NEW_IMAGE, ...fast });
    await sim.untilCondition(up.metadata.name, 'Degraded', 'True', 60_000, 'NodeFailed');
    const rec = (await sim.records(up.metadata.name)).get(cp.name);
    expect(rec?.status).toMatchObject({ phase: 'Failed', reason: 'BootedOldDeployment' });
    expect(rec?.status?.host?.bootedImage).toBe(OLD_IMAGE);
  });

  it('finishes a node whose reboot command was killed by its own shutdown: the new boot ID decides, not the exit code', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    cp.host.faults.rebootCommandKilled = true;
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('killedreboot', { osImage: NEW_IMAGE, ...fast });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    const rec = (await sim.records(up.metadata.name)).get(cp.name);
    expect(rec?.status).toMatchObject({ phase: 'Succeeded' });
    expect(rec?.status?.host).toMatchObject({ phase: 'Done', bootedImage: NEW_IMAGE, rebootRequests: 1 });
    expect(cp.host.actions().filter((a) => a === 'systemctl reboot')).toHaveLength(1);
  });

  it('rolls the OS back when the health gate fails after the reboot', async () => {
    const cp = await sim.addNode('cp-0', { controlPlane: true });
    cp.staysNotReadyAfterReboot = true;
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('rollback', { osImage: NEW_IMAGE, healthGate: { settleSeconds: 0, timeoutSeconds: 2 } });
    await sim.untilCondition(up.metadata.name, 'Degraded', 'True', 60_000, 'NodeFailed');
    const rec = (await sim.records(up.metadata.name)).get(cp.name);
    expect(rec?.status).toMatchObject({ phase: 'Failed', reason: 'RolledBack' });
    expect(cp.host.bootedImage).toBe(OLD_IMAGE);
    expect(cp.host.actions()).toContain('rpm-ostree rollback');
  });

  it('frees the slot of a node deleted mid-step and carries on', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const w0 = await sim.addNode('w-0');
    const w1 = await sim.addNode('w-1');
    await podOn(w0.name, 'hold');
    await pdb('hold');
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('deleted', { osImage: NEW_IMAGE, maxUnavailable: 1, ...fast });
    await sim.until('w-0 to be draining', async () => (await sim.records(up.metadata.name)).get(w0.name)?.status?.phase === 'Draining');
    await w0.agent?.stop();
    await sim.core.deleteNode({ name: w0.name });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
    expect((await sim.records(up.metadata.name)).get(w0.name)?.status).toMatchObject({ phase: 'Skipped', reason: 'NodeDeleted' });
    expect(w1.host.bootedImage).toBe(NEW_IMAGE);
    expect((await sim.node(w1.name)).metadata?.annotations?.[Annotation.cordonedBy]).toBeUndefined();
  });
});
