import { jest } from '@jest/globals';

jest.setTimeout(180_000);
import { ApiextensionsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { Annotation } from '../../../pkg/upgrade/api/vocabulary.js';
import { NEW_IMAGE, NEW_K8S, type SimCluster } from './sim-cluster.js';
import { newSim } from './setup.js';

const fast = { healthGate: { settleSeconds: 0, timeoutSeconds: 30 }, drain: { timeoutSeconds: 30 } };
let sim: SimCluster;
let namespace: string;

beforeEach(async () => { ({ sim, namespace } = await newSim()); });
afterEach(async () => { await sim?.stop(); });

describe('the upgrade operator on a real API server with simulated nodes', () => {
  it('rolls the OS image and Kubernetes across control plane then workers within maxUnavailable, and uncordons what it cordoned', async () => {
    const cps = [await sim.addNode('cp-0', { controlPlane: true }), await sim.addNode('cp-1', { controlPlane: true })];
    const ws = [await sim.addNode('w-0'), await sim.addNode('w-1'), await sim.addNode('w-2')];
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('roll', { osImage: NEW_IMAGE, kubernetesVersion: NEW_K8S, maxUnavailable: 2, ...fast });
    const name = up.metadata.name;
    const done = await sim.untilCondition(name, 'Available', 'True', 90_000);

    expect(done.status?.counts).toMatchObject({ total: 5, succeeded: 5, failed: 0 });
    expect(done.status?.plan?.map((p) => [p.stage, p.kubeadm])).toEqual([
      ['control-plane', 'apply'], ['control-plane', 'node'], ['workers', 'node'], ['workers', 'node'], ['workers', 'node'],
    ]);
    const recs = await sim.records(name);
    const t = (n: string, f: 'admittedAt' | 'finishedAt') => new Date(recs.get(n)?.status?.[f] ?? 0).getTime();
    // control plane strictly serial, every worker after the last control-plane node
    expect(t(cps[1]!.name, 'admittedAt')).toBeGreaterThanOrEqual(t(cps[0]!.name, 'finishedAt'));
    for (const w of ws) expect(t(w.name, 'admittedAt')).toBeGreaterThanOrEqual(t(cps[1]!.name, 'finishedAt'));
    expect(cps[0]!.host.actions()).toContain(`/var/lib/nkd/kubeadm-${NEW_K8S} upgrade apply ${NEW_K8S} --yes`);
    expect(cps[1]!.host.actions()).toContain('/var/lib/nkd/kubeadm-v1.37.1 upgrade node');
    for (const n of [...cps, ...ws]) {
      expect(n.host.bootedImage).toBe(NEW_IMAGE);
      const node = await sim.node(n.name);
      expect(node.spec?.unschedulable).toBeFalsy();
      expect(node.metadata?.annotations?.[Annotation.cordonedBy]).toBeUndefined();
      expect(recs.get(n.name)?.status?.host).toMatchObject({ phase: 'Done', bootedImage: NEW_IMAGE });
    }
    expect(sim.maxUnavailableSeen).toBeLessThanOrEqual(2);
  });

  it('never uncordons a node an admin cordoned and excluded, and its cordon takes no slot of the Upgrade', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    await sim.addNode('w-0');
    const admin = await sim.addNode('w-1');
    await sim.addNode('w-2');
    await sim.core.patchNode({ name: admin.name, body: { spec: { unschedulable: true } } }, (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'));
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('cordon', { osImage: NEW_IMAGE, maxUnavailable: 2, excludeNodes: [admin.name], ...fast });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 90_000);
    const n = await sim.node(admin.name);
    expect(n.spec?.unschedulable).toBe(true);
    expect(admin.host.actions()).toEqual([]);
    // an excluded node is no member of a stage: both slots went to the Upgrade's own workers
    expect(sim.maxUnavailableSeen).toBeLessThanOrEqual(3);
  });

  it('starts no node outside the maintenance window and reports why', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const now = new Date();
    const h = (now.getUTCHours() + 12) % 24;
    const window = { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as ('Mon')[], start: `${String(h).padStart(2, '0')}:00`, end: `${String((h + 1) % 24).padStart(2, '0')}:00`, timeZone: 'UTC' };
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('window', { osImage: NEW_IMAGE, window, ...fast });
    const u = await sim.untilCondition(up.metadata.name, 'Progressing', 'True', 30_000, 'WaitingForWindow');
    expect(u.status?.message).toBe('waiting for the maintenance window');
    expect((await sim.records(up.metadata.name)).size).toBe(0);
  });

  it('starts nothing while paused and continues when unpaused', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('pause', { osImage: NEW_IMAGE, paused: true, ...fast });
    await sim.untilCondition(up.metadata.name, 'Paused', 'True', 30_000);
    expect((await sim.records(up.metadata.name)).size).toBe(0);
    await sim.patchUpgrade(up.metadata.name, { paused: false });
    await sim.untilCondition(up.metadata.name, 'Available', 'True', 60_000);
  });

  it('reports a skipped minor version as Degraded with an Event instead of crash-looping', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const op = await sim.startOperator('op-a', namespace);
    const up = await sim.createUpgrade('skip-minor', { kubernetesVersion: 'v1.38.0', ...fast });
    const u = await sim.untilCondition(up.metadata.name, 'Degraded', 'True', 30_000, 'InvalidSpec');
    expect(u.status?.conditions?.find((c) => c.type === 'Degraded')?.message).toBe('spec.kubernetesVersion: v1.38.0 skips a minor version: the control plane runs v1.36.4; upgrade to v1.37.x first');
    const events = await sim.until('the Degraded event', async () => {
      const l = await sim.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${up.metadata.name}` });
      return l.items.find((e) => e.reason === 'InvalidSpec');
    });
    expect(events.type).toBe('Warning');
    expect(op.isLeader).toBe(true);
    expect((await sim.records(up.metadata.name)).size).toBe(0);
  });

  it('serves printer columns for kubectl get upgrades', async () => {
    const crd = await sim.kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'upgrades.upgrade.nkd.nestos.openeuler.org' });
    expect(crd.spec.versions[0]?.additionalPrinterColumns?.map((c) => c.name)).toEqual(['Kubernetes', 'Stage', 'Done', 'Total', 'Failed', 'Progressing', 'Degraded', 'Paused', 'Blocked', 'OS-Image', 'Age']);
  });
});
