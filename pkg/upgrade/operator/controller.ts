/**
 * The upgrade controller: informers on Upgrades, NodeUpgrades and Nodes feed a per-key queue;
 * one reconcile per Upgrade plans with the pure planner, admits nodes by a status write guarded
 * by resourceVersion, then creates their NodeUpgrades and advances each in-flight node.
 */
import type { KubeConfig, KubernetesObject, ListWatch, V1Node } from '@kubernetes/client-node';
import { canonicalJson } from '../../canonical-json.js';
import { isConflict, type UpgradeApi } from '../kube/upgrade-api.js';
import { slimNodeInformer } from './node-informer.js';
import { WorkQueue } from './queue.js';
import { startInformers, upgradeApiInformer, type RunningInformer } from '../kube/informer.js';
import { WrittenObjects } from '../kube/written.js';
import type { Metrics } from './metrics.js';
import { advanceNode, nodeReady, setSpec, setStatus, uncordonIfOurs, type StepContext } from './node-steps.js';
import { planRollout, type Blocker, type DesiredCondition, type NodeFacts, type NodeRecordFacts, type PlanDecision } from '../plan/planner.js';
import { WAITING_SHOWN } from '../api/schema.js';
import type { NodeUpgrade, Upgrade, UpgradeCondition, UpgradeStatus } from '../api/types.js';
import {
  API_VERSION, Annotation, IN_FLIGHT_PHASES, Label, NODE_UPGRADES, Phase, Reason, UPGRADES, type PhaseValue,
} from '../api/vocabulary.js';

/** Options of the controller. */
export interface ControllerOptions {
  /** Only Upgrades with these labels (tests run several operators on one API server). */
  upgradeLabelSelector?: string;
  /** Only Nodes with these labels. */
  nodeLabelSelector?: string;
  workers?: number;
  log?: (msg: string) => void;
}

/** Where Events about the cluster-scoped Upgrades and NodeUpgrades go. */
const EVENT_NAMESPACE = 'default';

/** Facts the planner needs from a Node. */
export function nodeFacts(n: V1Node): NodeFacts {
  return {
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    ready: nodeReady(n),
    unschedulable: !!n.spec?.unschedulable,
    cordonedBy: n.metadata?.annotations?.[Annotation.cordonedBy],
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion,
    bootedImage: n.metadata?.annotations?.[Annotation.bootedImage],
  };
}

/** The deterministic name of a node's record for an Upgrade. */
function nodeUpgradeName(upgrade: string, node: string): string {
  const n = `${upgrade}.${node}`;
  return n.length <= 253 ? n : n.slice(0, 253);
}

function mergeConditions(prev: UpgradeCondition[] | undefined, want: DesiredCondition[], now: Date, generation: number): UpgradeCondition[] {
  return want.map((w) => {
    const p = prev?.find((c) => c.type === w.type);
    const same = p && p.status === w.status;
    return { ...w, lastTransitionTime: same && p.lastTransitionTime ? p.lastTransitionTime : now.toISOString(), observedGeneration: generation };
  });
}

function sameStatus(a: UpgradeStatus | undefined, b: UpgradeStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b); // the API server returns keys sorted
}

type Blocked = NonNullable<UpgradeStatus['blocked']>;

/** What identifies a blocker: a change of any of these is a new Event. */
function blockedKey(b: Blocked | undefined): string {
  return b ? canonicalJson([b.node, b.reason, b.pod, b.pdb]) : '';
}

/** One line for the Blocked printer column. */
function blockedSummary(b: Blocker): string {
  return [b.node ?? '-', b.reason, b.pod && `pod=${b.pod}`, b.pdb && `pdb=${b.pdb}`].filter(Boolean).join(' ');
}

/** Upgrade.status.message: what the rollout waits for, or what it does. */
function statusMessage(d: PlanDecision): string {
  if (d.waitingFor) return `waiting for ${d.waitingFor}`;
  if (d.done) return 'done';
  return `rolling out stage ${d.currentStage}${d.blocked?.node ? `; ${d.blocked.node}: ${d.blocked.message}` : ''}`;
}

/** What decides the rollout (admission, conditions, plan, what blocks it); counts and messages only report it. */
function decisive(s: UpgradeStatus | undefined): string {
  return canonicalJson({
    g: s?.observedGeneration, stage: s?.currentStage, plan: s?.plan, inFlight: s?.inFlight,
    conditions: s?.conditions?.map((c) => [c.type, c.status, c.reason]), blocked: blockedKey(s?.blocked),
  });
}

/** A status change that only updates counts and messages is written at most this often. */
const STATUS_REPORT_INTERVAL_MS = 2000;

/** The operator's controller (runs only while leader). */
export class UpgradeController {
  private informers: RunningInformer[] = [];
  private upgrades!: ListWatch<Upgrade & KubernetesObject>;
  private records!: ListWatch<NodeUpgrade & KubernetesObject>;
  private nodes!: ListWatch<V1Node>;
  private readonly writtenUpgrades = new WrittenObjects<Upgrade>();
  private readonly writtenRecords = new WrittenObjects<NodeUpgrade>();
  /** When this replica last wrote each Upgrade's status (progress reports are coalesced). */
  private readonly statusWrittenAt = new Map<string, number>();
  /** What the planner last saw of each Node (updates that change none of it are ignored). */
  private readonly nodeSeen = new Map<string, string>();
  private queue?: WorkQueue;
  private synced = false;
  private stopping = false;
  private readonly log: (m: string) => void;

  constructor(private readonly kc: KubeConfig, private readonly api: UpgradeApi, private readonly metrics: Metrics, private readonly opts: ControllerOptions = {}) {
    this.log = opts.log ?? (() => undefined);
  }

  /** True once every informer has listed. */
  get ready(): boolean { return this.synced; }

  /** Starts informers and the queue. */
  async start(): Promise<void> {
    this.queue = new WorkQueue((k) => this.reconcile(k), this.opts.workers ?? 4, (k, e) => {
      this.metrics.inc('nkd_upgrade_reconcile_errors_total', { upgrade: k });
      if (!isConflict(e)) this.log(`reconcile ${k}: ${(e as Error).message}`);
    });
    this.upgrades = upgradeApiInformer<Upgrade & KubernetesObject>(this.kc, UPGRADES, this.opts.upgradeLabelSelector);
    this.records = upgradeApiInformer<NodeUpgrade & KubernetesObject>(this.kc, NODE_UPGRADES);
    this.nodes = slimNodeInformer(this.kc, this.opts.nodeLabelSelector);
    // Nothing is reconciled before every cache has listed: a half-filled cache would plan wrongly.
    const enqueueAll = () => { if (this.synced) for (const u of this.upgrades.list()) this.queue?.add(u.metadata.name); };
    for (const v of ['add', 'update', 'delete'] as const) {
      this.upgrades.on(v, (u) => {
        if (v === 'delete') this.writtenUpgrades.forget(u.metadata.name);
        if (this.synced) this.queue?.add(u.metadata.name);
      });
      this.records.on(v, (r) => { const up = r.metadata.labels?.[Label.upgrade]; if (up && this.synced) this.queue?.add(up); });
      this.nodes.on(v, (n) => {
        // A Node update the planner cannot see (a heartbeat, an unrelated annotation) changes nothing.
        const name = n.metadata?.name ?? '';
        const facts = v === 'delete' ? undefined : canonicalJson({ ...n, metadata: { ...n.metadata, resourceVersion: undefined } });
        if (facts !== undefined && this.nodeSeen.get(name) === facts) return;
        if (facts === undefined) this.nodeSeen.delete(name); else this.nodeSeen.set(name, facts);
        enqueueAll();
      });
    }
    this.informers = [this.upgrades, this.records, this.nodes];
    await startInformers(this.informers, () => this.stopping, this.log);
    this.synced = true;
    enqueueAll();
  }

  /** Stops informers and waits for running reconciles. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.synced = false;
    await this.queue?.stop();
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  private async event(kind: 'Upgrade' | 'NodeUpgrade', name: string, uid: string | undefined, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      await this.api.recordEvent(EVENT_NAMESPACE, { kind, name, uid, type, reason, message });
    } catch (e) {
      this.log(`event ${reason} on ${name}: ${(e as Error).message}`);
    }
  }

  private recordsOf(name: string): NodeUpgrade[] {
    const out: NodeUpgrade[] = [];
    for (const r of this.records.list()) {
      if (r.metadata.labels?.[Label.upgrade] !== name) continue;
      const w = this.writtenRecords.resolve(r.metadata.name, r);
      if (w) out.push(w);
    }
    return out;
  }

  /** One reconcile of one Upgrade; resolves to a requeue delay in ms, if any. */
  private async reconcile(name: string): Promise<number | undefined> {
    const up = this.writtenUpgrades.resolve(name, this.upgrades.get(name));
    if (!up || up.metadata.deletionTimestamp) return undefined;
    const now = new Date();
    const nodeList = this.nodes.list();
    const nodeByName = new Map(nodeList.map((n) => [n.metadata?.name ?? '', n]));
    let records = this.recordsOf(name);
    const recordMap = (rs: NodeUpgrade[]) => new Map<string, NodeRecordFacts>(rs.map((r) => [r.spec.nodeName, {
      phase: (r.status?.phase ?? Phase.admitted) as PhaseValue, kubeadmAction: r.spec.kubeadmAction, retriedGeneration: r.status?.retriedGeneration,
      reason: r.status?.reason, blockedBy: r.status?.blockedBy,
    }]));
    const plan = (u: Upgrade, rs: NodeUpgrade[]): PlanDecision => planRollout({
      name, generation: u.metadata.generation ?? 1, spec: u.spec, inFlight: u.status?.inFlight ?? [],
      nodes: nodeList.map(nodeFacts), records: recordMap(rs), now,
    });
    let decision = plan(up, records);
    const byNode = new Map(records.map((r) => [r.spec.nodeName, r]));
    const ctx: StepContext = {
      api: this.api, upgrade: up, now, metrics: this.metrics,
      event: (nu, type, reason, message) => this.event('NodeUpgrade', nu.metadata.name, nu.metadata.uid, type, reason, message),
      wrote: (nu, fromRv) => { this.writtenRecords.remember(nu, fromRv); byNode.set(nu.spec.nodeName, nu); },
    };

    // Admin requests first: retry and skip change which nodes hold slots.
    let changed = false;
    for (const node of decision.retry) {
      const r = byNode.get(node);
      if (!r) continue;
      const spec = await setSpec(ctx, r, { attempt: (r.spec.attempt ?? 1) + 1, hostSteps: false, rollback: false });
      await setStatus(ctx, spec, { phase: Phase.admitted, reason: Reason.retried, message: 'retried by the admin (spec.retryNodes)', retriedGeneration: up.metadata.generation ?? 1, finishedAt: undefined, blockedBy: undefined },
        { type: 'Normal', reason: Reason.retried, message: 'retry requested in spec.retryNodes' });
      changed = true;
    }
    for (const node of decision.skip) {
      let r = byNode.get(node);
      if (!r) r = await this.createRecord(up, node, decision, Phase.skipped);
      else {
        await setStatus(ctx, r, { phase: Phase.skipped, reason: Reason.skipped, message: 'skipped by the admin (spec.skipNodes)', finishedAt: now.toISOString() },
          { type: 'Normal', reason: Reason.skipped, message: 'skipped (spec.skipNodes)' });
      }
      if (r.status?.cordonedByOperator || nodeByName.get(node)?.metadata?.annotations?.[Annotation.cordonedBy] === name) {
        await uncordonIfOurs(this.api, name, nodeByName.get(node));
      }
      changed = true;
    }
    if (changed) {
      records = [...byNode.values()];
      decision = plan(up, records);
    }

    // Admission and status: one write guarded by resourceVersion, before any new node is touched.
    const status: UpgradeStatus = {
      observedGeneration: up.metadata.generation,
      conditions: mergeConditions(up.status?.conditions, decision.conditions, now, up.metadata.generation ?? 1),
      currentStage: decision.currentStage,
      counts: decision.counts,
      plan: decision.plan,
      inFlight: decision.inFlight,
      message: statusMessage(decision),
      blocked: decision.blocked && { ...decision.blocked, summary: blockedSummary(decision.blocked) },
      waiting: decision.waiting.slice(0, WAITING_SHOWN).map(({ node, stage, reason, message }) => ({ node, stage, reason, message })),
    };
    let requeue: number | undefined;
    const sinceWrite = Date.now() - (this.statusWrittenAt.get(name) ?? 0);
    const reportOnly = decisive(up.status) === decisive(status);
    if (!sameStatus(up.status, status) && reportOnly && sinceWrite < STATUS_REPORT_INTERVAL_MS) {
      requeue = STATUS_REPORT_INTERVAL_MS - sinceWrite; // coalesce progress reports into one write
    } else if (!sameStatus(up.status, status)) {
      let written: Upgrade;
      try {
        written = await this.api.replaceUpgradeStatus({ ...up, status });
      } catch (e) {
        if (isConflict(e)) return 200; // someone else wrote: replan from the new version
        throw e;
      }
      this.writtenUpgrades.remember(written, up.metadata.resourceVersion);
      this.statusWrittenAt.set(name, Date.now());
      await this.conditionEvents(up, status.conditions ?? [], status.blocked?.reason);
      await this.blockedEvent(up, status.blocked);
    }
    this.publishMetrics(name, records);

    // Create the records of admitted nodes (and of any admitted before a crash).
    for (const node of decision.inFlight) {
      if (byNode.has(node)) continue;
      const r = await this.createRecord(up, node, decision, Phase.admitted);
      byNode.set(node, r);
      await this.event('NodeUpgrade', r.metadata.name, r.metadata.uid, 'Normal', Reason.admitted, `${node}: admitted (stage ${decision.plan.find((p) => p.node === node)?.stage})`);
    }

    // Advance every in-flight node by a step.
    const steps = [...byNode.values()].filter((r) => IN_FLIGHT_PHASES.includes((r.status?.phase ?? Phase.admitted) as PhaseValue));
    await Promise.all(steps.map(async (r) => {
      const res = await advanceNode(ctx, r, nodeByName.get(r.spec.nodeName));
      if (res.requeueMs !== undefined) requeue = Math.min(requeue ?? Infinity, res.requeueMs);
    }));
    if (!decision.done && up.spec.window && decision.waitingFor?.startsWith('the maintenance window')) requeue = Math.min(requeue ?? Infinity, 30_000);
    return requeue;
  }

  private async createRecord(up: Upgrade, node: string, d: PlanDecision, phase: PhaseValue): Promise<NodeUpgrade> {
    const entry = d.plan.find((p) => p.node === node);
    const body: NodeUpgrade = {
      apiVersion: API_VERSION, kind: 'NodeUpgrade',
      metadata: {
        name: nodeUpgradeName(up.metadata.name, node),
        labels: { [Label.upgrade]: up.metadata.name, [Label.node]: node.slice(0, 63) },
        ownerReferences: [{ apiVersion: API_VERSION, kind: 'Upgrade', name: up.metadata.name, uid: up.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        upgrade: up.metadata.name, nodeName: node, stage: entry?.stage ?? 'workers',
        osImage: up.spec.osImage, kubernetesVersion: up.spec.kubernetesVersion, kubeadmAction: entry?.kubeadm ?? 'none',
        hostSteps: false, rollback: false, attempt: 1,
      },
    };
    let r: NodeUpgrade;
    try {
      r = await this.api.createNodeUpgrade(body);
    } catch (e) {
      if (!isConflict(e)) throw e;
      r = (await this.api.getNodeUpgrade(body.metadata.name)) as NodeUpgrade;
    }
    if (phase !== Phase.admitted && r.status?.phase !== phase) {
      r = await this.api.replaceNodeUpgradeStatus({ ...r, status: { ...r.status, phase, reason: Reason.skipped, message: 'skipped by the admin (spec.skipNodes)', finishedAt: new Date().toISOString() } });
    }
    this.writtenRecords.remember(r, undefined);
    return r;
  }

  /** One Warning Event on the Upgrade when what blocks it changes (node, reason, pod or PDB). */
  private async blockedEvent(up: Upgrade, next: Blocked | undefined): Promise<void> {
    if (!next || blockedKey(up.status?.blocked) === blockedKey(next)) return;
    await this.event('Upgrade', up.metadata.name, up.metadata.uid, 'Warning', next.reason, next.node ? `${next.node}: ${next.message}` : next.message);
  }

  private async conditionEvents(up: Upgrade, next: UpgradeCondition[], blockedReason: string | undefined): Promise<void> {
    for (const c of next) {
      const p = up.status?.conditions?.find((x) => x.type === c.type);
      if (p?.status === c.status && p?.reason === c.reason) continue;
      if (!p && c.status === 'False') continue;
      if (c.type === 'Progressing' && c.reason === blockedReason) continue; // blockedEvent says it, with the node
      const warn = c.type === 'Degraded' && c.status === 'True';
      await this.event('Upgrade', up.metadata.name, up.metadata.uid, warn ? 'Warning' : 'Normal', c.reason ?? c.type, `${c.type}=${c.status}${c.message ? `: ${c.message}` : ''}`);
    }
  }

  private publishMetrics(name: string, records: NodeUpgrade[]): void {
    this.metrics.clearGauge('nkd_upgrade_nodes', { upgrade: name });
    const by = new Map<string, number>();
    for (const r of records) { const p = r.status?.phase ?? Phase.admitted; by.set(p, (by.get(p) ?? 0) + 1); }
    for (const p of Object.values(Phase)) this.metrics.setGauge('nkd_upgrade_nodes', { upgrade: name, phase: p }, by.get(p) ?? 0);
  }
}
