/** Factories for planner tests: one valid cluster, one mutation per case. */
import type { NodeFacts, NodeRecordFacts, PlanInput } from '../../../pkg/upgrade/plan/planner.js';
import type { UpgradeSpec } from '../../../pkg/upgrade/api/types.js';
import { Label, type PhaseValue } from '../../../pkg/upgrade/api/vocabulary.js';

export const IMAGE = 'registry.example/nestos/nestos@sha256:' + 'a'.repeat(64);
export const OLD_IMAGE = 'registry.example/nestos/nestos@sha256:' + 'b'.repeat(64);

/** A Ready, schedulable node on the old versions. */
export function node(name: string, o: Partial<NodeFacts> & { cp?: boolean; pool?: string } = {}): NodeFacts {
  const labels: Record<string, string> = { ...(o.labels ?? {}) };
  if (o.cp) labels[Label.controlPlane] = '';
  if (o.pool) labels.pool = o.pool;
  return { name, labels, ready: o.ready ?? true, unschedulable: o.unschedulable ?? false, cordonedBy: o.cordonedBy, kubeletVersion: o.kubeletVersion ?? 'v1.36.4', bootedImage: o.bootedImage ?? OLD_IMAGE };
}

/** A cluster of `cps` control-plane and `workers` worker nodes. */
export function cluster(cps: number, workers: number): NodeFacts[] {
  return [
    ...Array.from({ length: cps }, (_, i) => node(`cp-${i}`, { cp: true })),
    ...Array.from({ length: workers }, (_, i) => node(`w-${String(i).padStart(2, '0')}`)),
  ];
}

/** A valid Upgrade spec (OS image and Kubernetes version). */
export function spec(o: Partial<UpgradeSpec> = {}): UpgradeSpec {
  return { osImage: IMAGE, kubernetesVersion: 'v1.37.1', maxUnavailable: 1, ...o };
}

/** Planner input with records given as node → phase. */
export function input(nodes: NodeFacts[], s: UpgradeSpec = spec(), records: Record<string, PhaseValue | NodeRecordFacts> = {}, o: Partial<PlanInput> = {}): PlanInput {
  const m = new Map<string, NodeRecordFacts>();
  for (const [k, v] of Object.entries(records)) m.set(k, typeof v === 'string' ? { phase: v } : v);
  return { name: 'up', generation: 1, spec: s, inFlight: [], nodes, records: m, now: new Date('2026-11-23T12:00:00Z'), ...o };
}

/** A node that has reached the target. */
export function upgraded(n: NodeFacts): NodeFacts {
  return { ...n, kubeletVersion: 'v1.37.1', bootedImage: IMAGE };
}
