import fc from 'fast-check';
import { nodeUnavailable, planRollout, resolveMaxUnavailable, type NodeFacts, type NodeRecordFacts } from '../../../pkg/upgrade/planner.js';
import type { UpgradeSpec } from '../../../pkg/upgrade/types.js';
import { windowOpen } from '../../../pkg/upgrade/window.js';
import { IN_FLIGHT_PHASES, Label, Phase, type PhaseValue } from '../../../pkg/upgrade/vocabulary.js';
import { IMAGE, node } from './planner-fixtures.js';

type Ev =
  | { k: 'tick' }
  | { k: 'advance'; i: number; fail: boolean }
  | { k: 'ready'; i: number; ready: boolean }
  | { k: 'adminCordon'; i: number; on: boolean }
  | { k: 'time'; hour: number }
  | { k: 'pause'; on: boolean }
  | { k: 'retry'; i: number }
  | { k: 'skip'; i: number };

const ev: fc.Arbitrary<Ev> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Ev>({ k: 'tick' }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('advance' as const), i: fc.nat(40), fail: fc.integer({ min: 0, max: 9 }).map((x) => x === 0) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('ready' as const), i: fc.nat(40), ready: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('adminCordon' as const), i: fc.nat(40), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('time' as const), hour: fc.nat(23) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pause' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retry' as const), i: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('skip' as const), i: fc.nat(40) }) },
);

const scenario = fc.record({
  cps: fc.integer({ min: 1, max: 3 }),
  workers: fc.integer({ min: 0, max: 12 }),
  canary: fc.integer({ min: 0, max: 3 }),
  maxUnavailable: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom('10%', '34%', '50%', '100%')),
  k8s: fc.boolean(),
  window: fc.boolean(),
  events: fc.array(ev, { minLength: 10, maxLength: 200 }),
});

interface Model { nodes: NodeFacts[]; records: Map<string, NodeRecordFacts>; inFlight: string[]; spec: UpgradeSpec; generation: number; now: Date; adminCordoned: Set<string>; ourCordons: Set<string> }

function stageBudget(m: Model, stage: string, members: NodeFacts[]): number {
  if (stage === 'control-plane') return 1;
  const s = m.spec.stages?.find((x) => x.name === stage);
  return resolveMaxUnavailable(s?.maxUnavailable ?? m.spec.maxUnavailable, members.length);
}

function stageOf(n: NodeFacts, m: Model): string {
  if (Label.controlPlane in n.labels) return 'control-plane';
  return m.spec.stages?.find((s) => Object.entries(s.nodeSelector.matchLabels ?? {}).every(([k, v]) => n.labels[k] === v))?.name ?? 'workers';
}

describe('the rollout planner over random clusters and event orders (property)', () => {
  it('never exceeds the budget, keeps the control plane first and serial, never starts outside the window, and never uncordons what it did not cordon', () => {
    let admissions = 0;
    let workerAdmissions = 0;
    fc.assert(fc.property(scenario, (sc) => {
      const nodes = [
        ...Array.from({ length: sc.cps }, (_, i) => node(`cp-${i}`, { cp: true })),
        ...Array.from({ length: sc.workers }, (_, i) => node(`w-${String(i).padStart(2, '0')}`, { pool: i < sc.canary ? 'canary' : 'main' })),
      ];
      const m: Model = {
        nodes, records: new Map(), inFlight: [], generation: 1, now: new Date('2026-11-23T02:00:00Z'), adminCordoned: new Set(), ourCordons: new Set(),
        spec: {
          osImage: IMAGE, kubernetesVersion: sc.k8s ? 'v1.37.1' : undefined, maxUnavailable: sc.maxUnavailable,
          stages: sc.canary > 0 && sc.workers > sc.canary ? [{ name: 'canary', nodeSelector: { matchLabels: { pool: 'canary' } }, maxUnavailable: 1 }] : undefined,
          window: sc.window ? { days: ['Mon', 'Tue'], start: '01:00', end: '05:00', timeZone: 'UTC' } : undefined,
        },
      };
      const at = (i: number) => m.nodes[i % m.nodes.length] as NodeFacts;
      const setNode = (n: NodeFacts) => { m.nodes = m.nodes.map((x) => (x.name === n.name ? n : x)); };
      const finish = (n: NodeFacts, phase: PhaseValue) => {
        m.records.set(n.name, { ...m.records.get(n.name), phase });
        if (m.ourCordons.has(n.name)) {
          // the operator uncordons only its own cordon
          expect(m.adminCordoned.has(n.name)).toBe(false);
          m.ourCordons.delete(n.name);
          setNode({ ...n, unschedulable: false, cordonedBy: undefined });
        }
      };

      for (const e of sc.events) {
        switch (e.k) {
          case 'tick': {
            const d = planRollout({ name: 'up', generation: m.generation, spec: m.spec, inFlight: m.inFlight, nodes: m.nodes, records: m.records, now: m.now });
            if (d.admit.length || d.retry.length) {
              expect(windowOpen(m.spec.window, m.now)).toBe(true);
              expect(m.spec.paused).not.toBe(true);
            }
            for (const a of d.admit) {
              admissions += 1;
              if (a.stage !== 'control-plane') workerAdmissions += 1;
              const n = m.nodes.find((x) => x.name === a.node) as NodeFacts;
              // no worker while a control-plane node is behind or in flight
              if (a.stage !== 'control-plane') {
                for (const cp of m.nodes.filter((x) => Label.controlPlane in x.labels)) {
                  const r = m.records.get(cp.name);
                  expect(r && IN_FLIGHT_PHASES.includes(r.phase)).toBeFalsy();
                  if (m.spec.kubernetesVersion) expect(cp.kubeletVersion).toBe('v1.37.1');
                }
              }
              expect(nodeUnavailable(n)).toBe(false);
              m.records.set(a.node, { phase: Phase.admitted, kubeadmAction: a.kubeadm });
              m.ourCordons.add(a.node);
              setNode({ ...n, unschedulable: true, cordonedBy: 'up' });
            }
            for (const r of d.retry) { m.records.set(r, { ...m.records.get(r), phase: Phase.admitted, retriedGeneration: m.generation }); }
            for (const s of d.skip) { const n = m.nodes.find((x) => x.name === s) as NodeFacts; finish(n, Phase.skipped); }
            m.inFlight = d.inFlight;
            if (d.admit.length && d.currentStage) {
              const members = m.nodes.filter((x) => stageOf(x, m) === d.currentStage);
              const unavailable = members.filter((x) => nodeUnavailable(x) || IN_FLIGHT_PHASES.includes(m.records.get(x.name)?.phase ?? Phase.succeeded)).length;
              expect(unavailable).toBeLessThanOrEqual(stageBudget(m, d.currentStage, members));
            }
            // control-plane nodes are serial
            const cpInFlight = m.nodes.filter((x) => Label.controlPlane in x.labels && IN_FLIGHT_PHASES.includes(m.records.get(x.name)?.phase ?? Phase.succeeded) && m.records.get(x.name)?.phase !== Phase.failed);
            expect(cpInFlight.length).toBeLessThanOrEqual(1);
            break;
          }
          case 'advance': {
            const live = m.nodes.filter((x) => { const r = m.records.get(x.name); return r && r.phase !== Phase.failed && IN_FLIGHT_PHASES.includes(r.phase); });
            if (live.length === 0) break;
            const n = live[e.i % live.length] as NodeFacts;
            const r = m.records.get(n.name) as NodeRecordFacts;
            const order: PhaseValue[] = [Phase.admitted, Phase.draining, Phase.upgrading, Phase.verifying];
            const idx = order.indexOf(r.phase);
            if (idx < 0) break;
            if (e.fail) { m.records.set(n.name, { ...r, phase: Phase.failed }); break; }
            if (idx < order.length - 1) { m.records.set(n.name, { ...r, phase: order[idx + 1] as PhaseValue }); break; }
            const up = { ...n, kubeletVersion: m.spec.kubernetesVersion ?? n.kubeletVersion, bootedImage: IMAGE };
            setNode(up);
            finish(up, Phase.succeeded);
            break;
          }
          case 'ready': setNode({ ...at(e.i), ready: e.ready }); break;
          case 'adminCordon': {
            const n = at(e.i);
            if (e.on && !n.unschedulable) { m.adminCordoned.add(n.name); setNode({ ...n, unschedulable: true }); }
            if (!e.on && m.adminCordoned.has(n.name)) { m.adminCordoned.delete(n.name); setNode({ ...n, unschedulable: m.ourCordons.has(n.name) }); }
            break;
          }
          case 'time': m.now = new Date(`2026-11-23T${String(e.hour).padStart(2, '0')}:30:00Z`); break;
          case 'pause': m.spec = { ...m.spec, paused: e.on }; m.generation += 1; break;
          case 'retry': m.spec = { ...m.spec, retryNodes: [at(e.i).name] }; m.generation += 1; break;
          case 'skip': m.spec = { ...m.spec, skipNodes: [at(e.i).name] }; m.generation += 1; break;
        }
        // an admin cordon is never lifted by the operator
        for (const a of m.adminCordoned) expect(m.nodes.find((x) => x.name === a)?.unschedulable).toBe(true);
      }
    }), { numRuns: 400 });
    // the scenarios really roll out (not only trivially safe ones)
    expect(admissions).toBeGreaterThan(100);
    expect(workerAdmissions).toBeGreaterThan(10);
  });
});
