import { planRollout, resolveMaxUnavailable } from '../../../pkg/upgrade/planner.js';
import { Phase } from '../../../pkg/upgrade/vocabulary.js';
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

  it('rejects a downgrade', () => {
    expect(planRollout(input(cluster(1, 0), spec({ kubernetesVersion: 'v1.36.0' }))).invalid[0]).toMatch(/older than the control plane/);
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
