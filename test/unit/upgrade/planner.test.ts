import { planRollout, resolveMaxUnavailable } from '../../../pkg/upgrade/plan/planner.js';
import { Phase } from '../../../pkg/upgrade/api/vocabulary.js';
import { cluster, input, node, spec, upgraded } from './planner-fixtures.js';

const admitted = (d: ReturnType<typeof planRollout>) => d.admit.map((a) => a.node);

describe('the rollout planner', () => {
  it('starts with the first control-plane node alone, with kubeadm upgrade apply', () => {
    const d = planRollout(input(cluster(3, 4), spec({ maxUnavailable: 10 })));
    expect(d.admit).toEqual([{ node: 'cp-0', stage: 'control-plane', kubeadm: 'apply' }]);
    expect(d.plan.filter((p) => p.stage === 'control-plane').map((p) => p.kubeadm)).toEqual(['apply', 'node', 'node']);
    expect(d.plan.filter((p) => p.stage === 'workers').every((p) => p.kubeadm === 'node')).toBe(true);
  });

  it('upgrades control-plane nodes one at a time', () => {
    const d = planRollout(input(cluster(3, 0), spec(), { 'cp-0': Phase.upgrading }, { inFlight: ['cp-0'] }));
    expect(admitted(d)).toEqual([]);
    expect(d.waitingFor).toMatch(/free slot \(1\/1/);
  });

  it('gives the next control-plane node kubeadm upgrade node after the first succeeded', () => {
    const nodes = cluster(3, 0);
    nodes[0] = upgraded(nodes[0]!);
    const d = planRollout(input(nodes, spec(), { 'cp-0': { phase: Phase.succeeded, kubeadmAction: 'apply' } }));
    expect(d.admit).toEqual([{ node: 'cp-1', stage: 'control-plane', kubeadm: 'node' }]);
  });

  it('starts no worker while a control-plane node is behind', () => {
    const nodes = cluster(2, 3);
    nodes[0] = upgraded(nodes[0]!);
    const d = planRollout(input(nodes, spec({ excludeNodes: ['cp-1'], maxUnavailable: 3 }), { 'cp-0': Phase.succeeded }));
    expect(admitted(d)).toEqual([]);
    expect(d.waitingFor).toMatch(/control-plane node\(s\) cp-1/);
  });

  it('admits workers up to maxUnavailable once the control plane is done', () => {
    const nodes = cluster(1, 5).map((n, i) => (i === 0 ? upgraded(n) : n));
    const d = planRollout(input(nodes, spec({ maxUnavailable: 2 }), { 'cp-0': Phase.succeeded }));
    expect(admitted(d)).toEqual(['w-00', 'w-01']);
    expect(d.inFlight).toEqual(['w-00', 'w-01']);
  });

  it('counts NotReady and cordoned-by-others nodes against the budget', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00', { ready: false }), node('w-01', { unschedulable: true }), node('w-02'), node('w-03')];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 3 }), { 'cp-0': Phase.succeeded }));
    expect(admitted(d)).toEqual(['w-02']);
  });

  it('keeps the slot of a failed node, turns Degraded and starts nothing new', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00'), node('w-01'), node('w-02')];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 2 }), { 'cp-0': Phase.succeeded, 'w-00': Phase.failed }, { inFlight: ['w-00'] }));
    expect(admitted(d)).toEqual([]);
    expect(d.inFlight).toEqual(['w-00']);
    expect(d.conditions.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'NodeFailed' });
  });

  it('retries a failed node once per generation listed in spec.retryNodes', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00')];
    const s = spec({ retryNodes: ['w-00'] });
    expect(planRollout(input(nodes, s, { 'cp-0': Phase.succeeded, 'w-00': Phase.failed }, { generation: 2 })).retry).toEqual(['w-00']);
    expect(planRollout(input(nodes, s, { 'cp-0': Phase.succeeded, 'w-00': { phase: Phase.failed, retriedGeneration: 2 } }, { generation: 2 })).retry).toEqual([]);
  });

  it('frees the slot of a skipped node and moves on', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00'), node('w-01')];
    const d = planRollout(input(nodes, spec({ skipNodes: ['w-00'] }), { 'cp-0': Phase.succeeded, 'w-00': Phase.failed }, { inFlight: ['w-00'] }));
    expect(d.skip).toEqual(['w-00']);
    expect(d.inFlight).toEqual(['w-01']);
  });

  it('starts nothing outside the maintenance window', () => {
    const s = spec({ window: { days: ['Mon'], start: '01:00', end: '03:00', timeZone: 'UTC' } });
    const d = planRollout(input(cluster(1, 1), s, {}, { now: new Date('2026-11-23T04:00:00Z') }));
    expect(admitted(d)).toEqual([]);
    expect(d.conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'WaitingForWindow' });
    expect(admitted(planRollout(input(cluster(1, 1), s, {}, { now: new Date('2026-11-23T02:00:00Z') })))).toEqual(['cp-0']);
  });

  it('starts nothing while paused', () => {
    const d = planRollout(input(cluster(1, 1), spec({ paused: true })));
    expect(admitted(d)).toEqual([]);
    expect(d.conditions.find((c) => c.type === 'Paused')?.status).toBe('True');
  });

  it('rejects a skipped minor version with a Degraded condition naming the field', () => {
    const d = planRollout(input(cluster(1, 1), spec({ kubernetesVersion: 'v1.38.0' })));
    expect(admitted(d)).toEqual([]);
    expect(d.invalid).toEqual(['spec.kubernetesVersion: v1.38.0 skips a minor version: the control plane runs v1.36.4; upgrade to v1.37.x first']);
    expect(d.conditions.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
  });

  it('rejects a downgrade, a major-version change and a minor skip, each with its own message', () => {
    const msg = (v: string) => planRollout(input(cluster(1, 0), spec({ kubernetesVersion: v }))).invalid;
    expect(msg('v1.36.0')).toEqual(['spec.kubernetesVersion: v1.36.0 is a downgrade: the control plane runs v1.36.4; kubeadm cannot downgrade (use a version >= v1.36.4)']);
    expect(msg('v1.35.9')).toEqual(['spec.kubernetesVersion: v1.35.9 is a downgrade: the control plane runs v1.36.4; kubeadm cannot downgrade (use a version >= v1.36.4)']);
    expect(msg('v2.0.0')).toEqual(['spec.kubernetesVersion: v2.0.0 changes the major version: the control plane runs v1.36.4; kubeadm upgrades only within major version 1']);
    expect(msg('v0.36.4')).toEqual(['spec.kubernetesVersion: v0.36.4 changes the major version: the control plane runs v1.36.4; kubeadm upgrades only within major version 1']);
    expect(msg('v1.39.0')).toEqual(['spec.kubernetesVersion: v1.39.0 skips a minor version: the control plane runs v1.36.4; upgrade to v1.37.x first']);
    expect(msg('v1.36.5')).toEqual([]);
    expect(msg('v1.37.0')).toEqual([]);
  });

  it('never reports a refused spec as Available or Done, even when every node runs a newer version', () => {
    const nodes = cluster(1, 1).map(upgraded); // v1.37.1 everywhere; the spec asks for v1.36.0
    const d = planRollout(input(nodes, spec({ kubernetesVersion: 'v1.36.0', osImage: undefined })));
    expect(d.done).toBe(false);
    expect(d.admit).toEqual([]);
    expect(d.counts).toMatchObject({ total: 2, succeeded: 0, pending: 2 });
    const byType = Object.fromEntries(d.conditions.map((c) => [c.type, c]));
    expect(byType.Degraded).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(byType.Available).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: 'the spec is refused: nothing was rolled out' });
    expect(byType.Progressing).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(d.blocked).toEqual({ reason: 'InvalidSpec', message: expect.stringMatching(/^the spec is refused: spec.kubernetesVersion: v1.36.0 is a downgrade/) });
  });

  it('says why every pending node is not admitted', () => {
    const nodes = [
      upgraded(node('cp-0', { cp: true })),
      node('a-0', { pool: 'canary' }), node('a-1', { pool: 'canary' }), node('a-2', { pool: 'canary', ready: false }),
      node('b-0'), node('b-1', { unschedulable: true }),
    ];
    const s = spec({ maxUnavailable: 2, stages: [{ name: 'canary', nodeSelector: { matchLabels: { pool: 'canary' } }, maxUnavailable: 2 }] });
    const d = planRollout(input(nodes, s, { 'cp-0': Phase.succeeded }));
    expect(admitted(d)).toEqual(['a-0']);
    expect(d.waiting.map((w) => [w.node, w.reason])).toEqual([
      ['a-2', 'NodeNotReady'], ['b-1', 'NodeCordoned'], ['a-1', 'NoFreeSlot'], ['b-0', 'LaterStage'],
    ]);
    expect(d.waiting.find((w) => w.node === 'a-1')?.message).toBe('no free slot: 2/2 unavailable in stage canary');
    expect(d.waiting.find((w) => w.node === 'b-0')?.message).toBe('stage workers starts after stage canary is done');
    expect(d.waiting.find((w) => w.node === 'b-1')?.message).toBe('cordoned by someone else, not by this Upgrade: uncordon it to let it in, or list it in spec.skipNodes or spec.excludeNodes');
  });

  it('gives every pending node the reason of a gate that holds the whole rollout', () => {
    const paused = planRollout(input(cluster(1, 2), spec({ paused: true })));
    expect(new Set(paused.waiting.map((w) => w.reason))).toEqual(new Set(['Paused']));
    expect(paused.waiting).toHaveLength(3);
    const window = spec({ window: { days: ['Mon'], start: '01:00', end: '03:00', timeZone: 'UTC' } });
    expect(new Set(planRollout(input(cluster(1, 2), window)).waiting.map((w) => w.reason))).toEqual(new Set(['WaitingForWindow']));
  });

  it('does not admit a pending node an admin cordoned, counts it against the budget, and names it as what blocks the stage', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), upgraded(node('w-00')), node('w-01', { unschedulable: true }), upgraded(node('w-02'))];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 1 }), { 'cp-0': Phase.succeeded, 'w-00': Phase.succeeded, 'w-02': Phase.succeeded }));
    expect(admitted(d)).toEqual([]);
    expect(d.done).toBe(false);
    expect(d.counts).toMatchObject({ total: 4, succeeded: 3, pending: 1, unavailable: 1 });
    expect(d.blocked).toEqual({ node: 'w-01', reason: 'NodeCordoned', message: 'cordoned by someone else, not by this Upgrade: uncordon it to let it in, or list it in spec.skipNodes or spec.excludeNodes' });
    expect(d.waitingFor).toBe('w-01 (NodeCordoned: cordoned by someone else, not by this Upgrade: uncordon it to let it in, or list it in spec.skipNodes or spec.excludeNodes)');
    expect(d.conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NodeCordoned' });
    // once the admin lets it go, it is admitted like any other
    nodes[2] = node('w-01');
    expect(admitted(planRollout(input(nodes, spec({ maxUnavailable: 1 }), { 'cp-0': Phase.succeeded, 'w-00': Phase.succeeded, 'w-02': Phase.succeeded })))).toEqual(['w-01']);
  });

  it('releases the slot of a node at the target that someone keeps cordoned', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), upgraded(node('w-00', { unschedulable: true })), node('w-01')];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 1 }), { 'cp-0': Phase.succeeded, 'w-00': Phase.succeeded }));
    expect(admitted(d)).toEqual(['w-01']);
    // the same without a record (already at the target before the Upgrade)
    expect(admitted(planRollout(input(nodes, spec({ maxUnavailable: 1 }), { 'cp-0': Phase.succeeded })))).toEqual(['w-01']);
  });

  it('keeps the slot of a node at the target that is NotReady, and names it', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), upgraded(node('w-00', { ready: false })), node('w-01')];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 1 }), { 'cp-0': Phase.succeeded, 'w-00': Phase.succeeded }));
    expect(admitted(d)).toEqual([]);
    expect(d.blocked).toMatchObject({ node: 'w-00', reason: 'NodeNotReady' });
    expect(d.waitingFor).toBe('a free slot (1/1 unavailable in stage workers); w-00: at the target but NotReady: it holds a slot until it is Ready');
  });

  it('does not count excluded nodes against the budget, cordoned or not', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00', { unschedulable: true }), node('w-01'), node('w-02', { ready: false })];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 1, excludeNodes: ['w-00', 'w-02'] }), { 'cp-0': Phase.succeeded }));
    expect(admitted(d)).toEqual(['w-01']);
  });

  it('names the pod and PodDisruptionBudget that block a drain', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00', { unschedulable: true, cordonedBy: 'up' }), node('w-01')];
    const rec = { phase: Phase.draining, blockedBy: { pod: 'ns/web-0', pdb: 'ns/web-pdb', reason: 'evicting it would violate PodDisruptionBudget ns/web-pdb' } };
    const d = planRollout(input(nodes, spec({ maxUnavailable: 1 }), { 'cp-0': Phase.succeeded, 'w-00': rec }, { inFlight: ['w-00'] }));
    expect(d.blocked).toEqual({ node: 'w-00', reason: 'DrainBlocked', pod: 'ns/web-0', pdb: 'ns/web-pdb', message: 'drain blocked by pod ns/web-0 (PodDisruptionBudget ns/web-pdb): evicting it would violate PodDisruptionBudget ns/web-pdb' });
    expect(d.waitingFor).toBe('a free slot (1/1 unavailable in stage workers); w-00: drain blocked by pod ns/web-0 (PodDisruptionBudget ns/web-pdb): evicting it would violate PodDisruptionBudget ns/web-pdb');
    expect(d.conditions.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'DrainBlocked' });
  });

  it('names a control-plane node left out of the Upgrade that keeps the workers waiting', () => {
    const nodes = cluster(2, 1);
    nodes[0] = upgraded(nodes[0]!);
    const d = planRollout(input(nodes, spec({ excludeNodes: ['cp-1'] }), { 'cp-0': Phase.succeeded }));
    expect(d.blocked).toMatchObject({ node: 'cp-1', reason: 'ControlPlaneBehind', message: expect.stringMatching(/^control-plane node behind the target and skipped, excluded or not selected/) });
    expect(d.waiting).toEqual([{ node: 'w-00', stage: 'workers', reason: 'ControlPlaneBehind', message: 'workers wait until control-plane node(s) cp-1 reach the target' }]);
  });

  it('rejects a stage whose selector matches no node', () => {
    const d = planRollout(input(cluster(1, 2), spec({ stages: [{ name: 'canary', nodeSelector: { matchLabels: { pool: 'nope' } } }] })));
    expect(d.invalid).toEqual(['spec.stages[canary].nodeSelector selects no node: fix the labels or remove the stage']);
  });

  it('rejects a window in an unknown time zone', () => {
    const d = planRollout(input(cluster(1, 0), spec({ window: { days: ['Mon'], start: '01:00', end: '02:00', timeZone: 'Mars/Olympus' } })));
    expect(d.invalid[0]).toMatch(/spec.window.timeZone: unknown time zone "Mars\/Olympus"/);
  });

  it('rolls worker stages in order, each with its own maxUnavailable', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('a-0', { pool: 'canary' }), node('b-0'), node('b-1'), node('b-2')];
    const s = spec({ maxUnavailable: 3, stages: [{ name: 'canary', nodeSelector: { matchLabels: { pool: 'canary' } }, maxUnavailable: 1 }] });
    const d1 = planRollout(input(nodes, s, { 'cp-0': Phase.succeeded }));
    expect(d1.currentStage).toBe('canary');
    expect(admitted(d1)).toEqual(['a-0']);
    nodes[1] = upgraded(nodes[1]!);
    const d2 = planRollout(input(nodes, s, { 'cp-0': Phase.succeeded, 'a-0': Phase.succeeded }));
    expect(d2.currentStage).toBe('workers');
    expect(admitted(d2)).toEqual(['b-0', 'b-1', 'b-2']);
  });

  it('treats nodes already at the target as done without touching them', () => {
    const d = planRollout(input(cluster(1, 2).map(upgraded)));
    expect(d.done).toBe(true);
    expect(d.admit).toEqual([]);
    expect(d.conditions.find((c) => c.type === 'Available')?.status).toBe('True');
  });

  it('never admits an excluded node (by list or by label)', () => {
    const nodes = [upgraded(node('cp-0', { cp: true })), node('w-00', { labels: { 'upgrade.nkd.nestos.openeuler.org/exclude': 'true' } }), node('w-01'), node('w-02')];
    const d = planRollout(input(nodes, spec({ maxUnavailable: 5, excludeNodes: ['w-01'] }), { 'cp-0': Phase.succeeded }));
    expect(admitted(d)).toEqual(['w-02']);
    expect(d.counts.excluded).toBe(2);
  });

  it('resolves percentages down with a floor of one', () => {
    expect(resolveMaxUnavailable('25%', 10)).toBe(2);
    expect(resolveMaxUnavailable('10%', 3)).toBe(1);
    expect(resolveMaxUnavailable(4, 2)).toBe(4);
  });
});
