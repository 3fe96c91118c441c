/**
 * The rollout planner: a pure function from (Upgrade, Nodes, per-node records, now) to what the
 * operator should do next — which nodes to admit, retry or skip, the ordered plan, counts and
 * conditions. Nothing here touches the API or the clock; the property tests drive it directly.
 */
import { checkTargetVersion, atLeast } from './version.js';
import { validateWindow, windowOpen } from './window.js';
import type { PlanEntry, UpgradeSpec } from '../api/types.js';
import {
  CONTROL_PLANE_STAGE, Condition, DEFAULT_WORKER_STAGE, IN_FLIGHT_PHASES, Label, Phase, Reason, type PhaseValue,
} from '../api/vocabulary.js';

/** What the planner needs to know about one Node. */
export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
  unschedulable: boolean;
  /** Value of the cordoned-by annotation, if any. */
  cordonedBy?: string;
  kubeletVersion?: string;
  /** Booted image reported by the agent (annotation), if any. */
  bootedImage?: string;
}

/** What the planner needs to know about one NodeUpgrade. */
export interface NodeRecordFacts {
  phase: PhaseValue;
  kubeadmAction?: 'apply' | 'node' | 'none';
  retriedGeneration?: number;
  /** NodeUpgrade.status.reason (for a failed node: why it failed). */
  reason?: string;
  /** What blocks (or blocked) the node's drain. */
  blockedBy?: { pod?: string; pdb?: string; reason?: string };
}

/** Input of {@link planRollout}. */
export interface PlanInput {
  name: string;
  generation: number;
  spec: UpgradeSpec;
  /** Upgrade.status.inFlight as last written. */
  inFlight: string[];
  nodes: NodeFacts[];
  /** NodeUpgrade records of this Upgrade by node name. */
  records: Map<string, NodeRecordFacts>;
  now: Date;
}

/** A condition the operator should hold on the Upgrade. */
export interface DesiredCondition { type: string; status: 'True' | 'False'; reason: string; message: string }

/** Why one pending node is not admitted now. */
export interface WaitingNode { node: string; stage: string; reason: string; message: string }

/** What keeps the rollout (or its current stage) from moving and needs a person: a node, and for a drain the pod and PodDisruptionBudget. */
export interface Blocker { node?: string; reason: string; message: string; pod?: string; pdb?: string }

/** Output of {@link planRollout}. */
export interface PlanDecision {
  /** Spec problems found at run time; when non-empty nothing starts. */
  invalid: string[];
  plan: PlanEntry[];
  currentStage?: string;
  /** Nodes to admit now, in order (the caller writes status.inFlight first, guarded by resourceVersion). */
  admit: PlanEntry[];
  /** Failed nodes the admin asked to retry (once per generation). */
  retry: string[];
  /** Nodes the admin asked to skip. */
  skip: string[];
  /** Upgrade.status.inFlight after this decision. */
  inFlight: string[];
  counts: { total: number; succeeded: number; inProgress: number; failed: number; skipped: number; pending: number; excluded: number; unavailable: number };
  conditions: DesiredCondition[];
  /** Why nothing more is admitted (for the status message), if so. */
  waitingFor?: string;
  /** Every selected node that is pending and not admitted now, with why (node problems first, then plan order). */
  waiting: WaitingNode[];
  /** The first problem a person must act on (failed node, blocked drain, admin cordon, NotReady node, control plane left behind), if any. */
  blocked?: Blocker;
  /** True when every selected node is done. */
  done: boolean;
}

function matches(labels: Record<string, string>, sel: { matchLabels?: Record<string, string> } | undefined): boolean {
  return Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Resolves maxUnavailable (count or percent) against a stage size: at least 1. */
export function resolveMaxUnavailable(value: number | string | undefined, stageSize: number): number {
  if (value === undefined) return 1;
  if (typeof value === 'number') return Math.max(1, Math.floor(value));
  const pct = Number(value.replace('%', ''));
  return Math.max(1, Math.floor((stageSize * pct) / 100));
}

/** True when the node already runs the target (as far as the API shows). */
function atTarget(spec: UpgradeSpec, n: NodeFacts): boolean {
  if (spec.kubernetesVersion && !atLeast(n.kubeletVersion, spec.kubernetesVersion)) return false;
  if (spec.osImage && n.bootedImage !== spec.osImage) return false;
  return true;
}

/** True when the node is unavailable for the budget: NotReady or cordoned by anyone. */
function nodeUnavailable(n: NodeFacts): boolean {
  return !n.ready || n.unschedulable;
}

interface StagedNode { node: NodeFacts; stage: string; selected: boolean }

function stageOf(spec: UpgradeSpec, n: NodeFacts): string {
  if (Label.controlPlane in n.labels) return CONTROL_PLANE_STAGE;
  for (const s of spec.stages ?? []) if (matches(n.labels, s.nodeSelector)) return s.name;
  return DEFAULT_WORKER_STAGE;
}

/** Decides the next moves of one Upgrade. Pure: same input, same output. */
export function planRollout(input: PlanInput): PlanDecision {
  const { spec, records, now } = input;
  const invalid: string[] = [];
  const excludeSet = new Set(spec.excludeNodes ?? []);
  const stageNames = [CONTROL_PLANE_STAGE, ...(spec.stages ?? []).map((s) => s.name), DEFAULT_WORKER_STAGE];

  const inScope = input.nodes.filter((n) => matches(n.labels, spec.nodeSelector)).sort((a, b) => a.name.localeCompare(b.name));
  const staged: StagedNode[] = inScope.map((node) => ({
    node,
    stage: stageOf(spec, node),
    selected: !excludeSet.has(node.name) && node.labels[Label.exclude] !== 'true',
  }));
  const byName = new Map(staged.map((s) => [s.node.name, s]));

  // Run-time validation: what the CRD schema cannot see.
  if (spec.window) {
    try { validateWindow(spec.window); } catch (e) { invalid.push((e as Error).message); }
  }
  const controlPlane = input.nodes.filter((n) => Label.controlPlane in n.labels);
  if (spec.kubernetesVersion) {
    const msg = checkTargetVersion(spec.kubernetesVersion, controlPlane.map((n) => n.kubeletVersion ?? ''));
    if (msg) invalid.push(msg);
  }
  for (const s of spec.stages ?? []) {
    if (!staged.some((x) => x.stage === s.name)) {
      invalid.push(`spec.stages[${s.name}].nodeSelector selects no node: fix the labels or remove the stage`);
    }
  }

  // Per-node state.
  const isDone = (s: StagedNode): boolean => {
    const r = records.get(s.node.name);
    if (r) return r.phase === Phase.succeeded || r.phase === Phase.skipped;
    return atTarget(spec, s.node);
  };
  const oldInFlight = new Set(input.inFlight);
  const inFlightNow = (name: string): boolean => {
    const r = records.get(name);
    if (r) return IN_FLIGHT_PHASES.includes(r.phase);
    return oldInFlight.has(name);
  };

  const retryGen = (name: string) => records.get(name)?.retriedGeneration ?? 0;
  // A retry starts a node again: like an admission it waits for a valid spec, no pause and an open window.
  const mayStart = invalid.length === 0 && !spec.paused && windowOpen(spec.window, now);
  const retry = mayStart ? (spec.retryNodes ?? []).filter((n) => records.get(n)?.phase === Phase.failed && retryGen(n) < input.generation) : [];
  const skip = (spec.skipNodes ?? []).filter((n) => {
    const r = records.get(n);
    return byName.has(n) && (r ? r.phase === Phase.failed : !isDone(byName.get(n) as StagedNode) && !oldInFlight.has(n));
  });
  const skipSet = new Set(skip);
  const retrySet = new Set(retry);

  const failed = staged.filter((s) => records.get(s.node.name)?.phase === Phase.failed && !skipSet.has(s.node.name) && !retrySet.has(s.node.name));

  // kubeadm action for each control-plane node: "apply" exactly once, on the first one.
  const cpApplied = controlPlane.some((n) => spec.kubernetesVersion && atLeast(n.kubeletVersion, spec.kubernetesVersion))
    || [...records.values()].some((r) => r.kubeadmAction === 'apply' && r.phase === Phase.succeeded);
  const applyOwner = [...records.entries()].find(([, r]) => r.kubeadmAction === 'apply' && r.phase !== Phase.skipped)?.[0];
  let applyGiven = !!applyOwner || cpApplied;
  const plan: PlanEntry[] = [];
  for (const stage of stageNames) {
    for (const s of staged.filter((x) => x.stage === stage && x.selected)) {
      let kubeadm: 'apply' | 'node' | 'none' = 'none';
      if (spec.kubernetesVersion) {
        const recorded = records.get(s.node.name)?.kubeadmAction;
        if (recorded) kubeadm = recorded;
        else if (stage === CONTROL_PLANE_STAGE && !applyGiven && !isDone(s)) { kubeadm = 'apply'; applyGiven = true; }
        else kubeadm = 'node';
      }
      plan.push({ node: s.node.name, stage, kubeadm });
    }
  }

  // The current stage: the first with a selected node not done.
  const notDone = (s: StagedNode) => s.selected && !isDone(s) && !skipSet.has(s.node.name);
  const currentStage = stageNames.find((st) => staged.some((s) => s.stage === st && notDone(s)));
  // A refused spec is never done, whatever the nodes run (after a downgrade they are all "at" it).
  const done = invalid.length === 0 && currentStage === undefined;

  // Slots. A selected node holds one while it is in flight (failed included), while it is
  // pending and unavailable (NotReady, or cordoned by anyone), and while it is done but NotReady.
  // A node at the target that someone keeps cordoned holds none: that cordon is theirs, and the
  // rollout's disruption of it is over. Excluded and skipped nodes are not members of any stage.
  const holdsSlot = (s: StagedNode): boolean => {
    const name = s.node.name;
    if (!s.selected || skipSet.has(name) || records.get(name)?.phase === Phase.skipped) return false;
    if (retrySet.has(name) || inFlightNow(name)) return true;
    if (isDone(s)) return !s.node.ready;
    return nodeUnavailable(s.node);
  };

  // Gates for starting new nodes.
  let waitingFor: string | undefined;
  const degraded = invalid.length > 0 || failed.length > 0;
  const open = windowOpen(invalid.length ? undefined : spec.window, now);
  const failedNames = failed.map((f) => f.node.name).join(', ');
  const gate: { reason: string; message: string } | undefined = invalid.length
    ? { reason: Reason.invalidSpec, message: `the spec is refused: ${invalid.join('; ')}` }
    : spec.paused ? { reason: Reason.paused, message: 'spec.paused is true' }
      : failed.length ? { reason: Reason.nodeFailed, message: `failed node(s) ${failedNames} hold the rollout: retry them (spec.retryNodes) or skip them (spec.skipNodes)` }
        : !open ? { reason: Reason.waitingForWindow, message: 'outside the maintenance window' } : undefined;
  if (invalid.length) waitingFor = 'a valid spec';
  else if (spec.paused) waitingFor = 'spec.paused to be cleared';
  else if (failed.length) waitingFor = `the admin to retry or skip failed node(s) ${failedNames}`;
  else if (!open) waitingFor = 'the maintenance window';

  const admit: PlanEntry[] = [];
  const members = currentStage === undefined ? [] : staged.filter((s) => s.stage === currentStage && s.selected);
  let slotsTaken = members.filter(holdsSlot).length;
  const budget = currentStage === CONTROL_PLANE_STAGE
    ? 1
    : resolveMaxUnavailable((spec.stages ?? []).find((s) => s.name === currentStage)?.maxUnavailable ?? spec.maxUnavailable, members.length);
  // No worker while a control-plane node is behind the target Kubernetes version.
  const cpBehind = spec.kubernetesVersion
    ? controlPlane.filter((n) => !atLeast(n.kubeletVersion, spec.kubernetesVersion as string) || inFlightNow(n.name))
    : controlPlane.filter((n) => inFlightNow(n.name));
  const workerStage = currentStage !== undefined && currentStage !== CONTROL_PLANE_STAGE;
  const cpBlocks = workerStage && cpBehind.length > 0;
  if (!waitingFor && cpBlocks) waitingFor = `control-plane node(s) ${cpBehind.map((n) => n.name).join(', ')} to reach the target`;
  const pendingHere = (s: StagedNode) => notDone(s) && !inFlightNow(s.node.name) && !records.has(s.node.name);
  if (!waitingFor) {
    for (const s of members) {
      if (slotsTaken >= budget) break;
      if (!pendingHere(s) || nodeUnavailable(s.node)) continue;
      admit.push(plan.find((p) => p.node === s.node.name) as PlanEntry);
      slotsTaken += 1;
    }
  }
  const admitted = new Set(admit.map((a) => a.node));

  // Why every pending node is not admitted now.
  const waiting: WaitingNode[] = [];
  for (const p of plan) {
    const s = byName.get(p.node) as StagedNode;
    if (!pendingHere(s) || admitted.has(p.node)) continue;
    const why = (reason: string, message: string) => waiting.push({ node: p.node, stage: p.stage, reason, message });
    if (gate) why(gate.reason, gate.message);
    else if (s.node.unschedulable) {
      why(Reason.nodeCordoned, `cordoned by ${s.node.cordonedBy ? `Upgrade ${s.node.cordonedBy}` : 'someone else'}, not by this Upgrade: uncordon it to let it in, or list it in spec.skipNodes or spec.excludeNodes`);
    } else if (!s.node.ready) why(Reason.nodeNotReady, 'NotReady: admitted once it is Ready again');
    else if (p.stage !== currentStage) why(Reason.laterStage, `stage ${p.stage} starts after stage ${currentStage} is done`);
    else if (cpBlocks) why(Reason.controlPlaneBehind, `workers wait until control-plane node(s) ${cpBehind.map((n) => n.name).join(', ')} reach the target`);
    else why(Reason.noFreeSlot, `no free slot: ${slotsTaken}/${budget} unavailable in stage ${currentStage}`);
  }
  const nodeProblem = (w: WaitingNode) => w.reason === Reason.nodeCordoned || w.reason === Reason.nodeNotReady;
  waiting.sort((a, b) => Number(nodeProblem(b)) - Number(nodeProblem(a))); // stable: plan order within each group

  // The first problem a person must act on.
  const problemOf = (s: StagedNode): Blocker | undefined => {
    const name = s.node.name;
    const r = records.get(name);
    if (r?.phase === Phase.failed && !retrySet.has(name) && !skipSet.has(name)) {
      return { node: name, reason: Reason.nodeFailed, pod: r.blockedBy?.pod, pdb: r.blockedBy?.pdb, message: `failed (${r.reason ?? 'unknown reason'}): fix the cause, then list it in spec.retryNodes or spec.skipNodes` };
    }
    if (r?.phase === Phase.draining && r.blockedBy?.pod) {
      const pdb = r.blockedBy.pdb ? ` (PodDisruptionBudget ${r.blockedBy.pdb})` : '';
      return { node: name, reason: Reason.drainBlocked, pod: r.blockedBy.pod, pdb: r.blockedBy.pdb, message: `drain blocked by pod ${r.blockedBy.pod}${pdb}: ${r.blockedBy.reason ?? ''}`.replace(/: $/, '') };
    }
    if (pendingHere(s) && s.node.unschedulable) return { node: name, reason: Reason.nodeCordoned, message: (waiting.find((w) => w.node === name) as WaitingNode | undefined)?.message ?? 'cordoned by someone else' };
    if ((pendingHere(s) || isDone(s)) && !s.node.ready && holdsSlot(s)) return { node: name, reason: Reason.nodeNotReady, message: isDone(s) ? 'at the target but NotReady: it holds a slot until it is Ready' : 'NotReady: it holds a slot and is admitted once Ready' };
    return undefined;
  };
  let blocked: Blocker | undefined;
  if (invalid.length) blocked = { reason: Reason.invalidSpec, message: `the spec is refused: ${invalid.join('; ')}` };
  else {
    for (const s of [...failed, ...members]) { blocked = problemOf(s); if (blocked) break; }
    if (!blocked && cpBlocks) {
      const left = cpBehind.find((n) => !inFlightNow(n.name) && (!byName.get(n.name)?.selected || skipSet.has(n.name) || records.get(n.name)?.phase === Phase.skipped));
      if (left) blocked = { node: left.name, reason: Reason.controlPlaneBehind, message: 'control-plane node behind the target and skipped, excluded or not selected: workers cannot start; bring it into this Upgrade (a skipped node: remove it from spec.skipNodes and delete its NodeUpgrade) or upgrade it first' };
    }
  }
  if (!waitingFor && currentStage !== undefined && admit.length === 0) {
    const here = waiting.find((w) => w.stage === currentStage);
    if (here?.reason === Reason.noFreeSlot) waitingFor = `a free slot (${slotsTaken}/${budget} unavailable in stage ${currentStage})`;
    else if (here) waitingFor = `${here.node} (${here.reason}: ${here.message})`;
  }
  if (waitingFor && blocked?.node && !waitingFor.startsWith(blocked.node)) waitingFor += `; ${blocked.node}: ${blocked.message}`;

  // Counts and the new inFlight list.
  const finished = (n: string) => { const r = records.get(n); return !!r && (r.phase === Phase.succeeded || r.phase === Phase.skipped); };
  const inFlight = [...new Set([...input.inFlight, ...admit.map((a) => a.node)])]
    .filter((n) => !finished(n) && !skipSet.has(n) && byName.has(n));
  const selected = staged.filter((s) => s.selected);
  const counts = {
    total: selected.length,
    // a refused spec has no target to be at (after a downgrade every node would look "at" it)
    succeeded: selected.filter((s) => { const r = records.get(s.node.name); return r ? r.phase === Phase.succeeded : !invalid.length && atTarget(spec, s.node); }).length,
    inProgress: selected.filter((s) => { const r = records.get(s.node.name); return (r ? IN_FLIGHT_PHASES.includes(r.phase) && r.phase !== Phase.failed : oldInFlight.has(s.node.name)) || admitted.has(s.node.name); }).length,
    failed: failed.length,
    skipped: selected.filter((s) => records.get(s.node.name)?.phase === Phase.skipped).length,
    pending: 0,
    excluded: staged.length - selected.length,
    unavailable: staged.filter(holdsSlot).length + admit.length,
  };
  counts.pending = Math.max(0, counts.total - counts.succeeded - counts.inProgress - counts.failed - counts.skipped);

  // Nothing moves when nothing was admitted and every node in flight is failed or drain-blocked.
  const moving = admit.length > 0 || members.some((s) => {
    const r = records.get(s.node.name);
    return inFlightNow(s.node.name) && r?.phase !== Phase.failed && !(r?.phase === Phase.draining && r.blockedBy?.pod);
  });
  const progressingReason = !open ? Reason.waitingForWindow : blocked && !moving ? blocked.reason : Reason.rollingOut;
  const conditions: DesiredCondition[] = [
    degraded
      ? { type: Condition.degraded, status: 'True', reason: invalid.length ? Reason.invalidSpec : Reason.nodeFailed, message: invalid.length ? invalid.join('; ') : `failed node(s): ${failedNames}; retry them with spec.retryNodes or give up with spec.skipNodes` }
      : { type: Condition.degraded, status: 'False', reason: Reason.healthy, message: '' },
    spec.paused
      ? { type: Condition.paused, status: 'True', reason: Reason.paused, message: 'spec.paused is true' }
      : { type: Condition.paused, status: 'False', reason: Reason.notDone, message: '' },
    done
      ? { type: Condition.available, status: 'True', reason: Reason.done, message: `all ${counts.total} node(s) at the target` }
      : invalid.length
        ? { type: Condition.available, status: 'False', reason: Reason.invalidSpec, message: 'the spec is refused: nothing was rolled out' }
        : { type: Condition.available, status: 'False', reason: Reason.notDone, message: `${counts.succeeded}/${counts.total} node(s) at the target` },
    done
      ? { type: Condition.progressing, status: 'False', reason: Reason.done, message: 'rollout complete' }
      : degraded || spec.paused
        ? { type: Condition.progressing, status: 'False', reason: degraded ? (invalid.length ? Reason.invalidSpec : Reason.nodeFailed) : Reason.paused, message: waitingFor ? `waiting for ${waitingFor}` : '' }
        : { type: Condition.progressing, status: 'True', reason: progressingReason, message: waitingFor ? `waiting for ${waitingFor}` : `stage ${currentStage}${blocked?.node ? `; ${blocked.node}: ${blocked.message}` : ''}` },
  ];

  return { invalid, plan, currentStage, admit, retry, skip, inFlight, counts, conditions, waitingFor, waiting, blocked, done };
}
