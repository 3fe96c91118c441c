/**
 * The operator's steps for one admitted node, as ordered, re-runnable steps keyed by the
 * NodeUpgrade's phase: cordon → drain → host work (agent) → health gate → uncordon. Each step
 * first checks what is already true (a new leader resumes from the API alone), then acts, then
 * records the new phase. Only nodes carrying the operator's cordoned-by annotation are uncordoned.
 */
import type { V1Node } from '@kubernetes/client-node';
import { drainPass } from './drain.js';
import type { UpgradeApi } from '../kube/upgrade-api.js';
import type { Metrics } from './metrics.js';
import { drainPolicy, healthGate, hostTimeoutSeconds, type NodeUpgrade, type NodeUpgradeStatus, type Upgrade } from '../api/types.js';
import { atLeast } from '../plan/version.js';
import { Annotation, HostPhase, HostStep, OPERATOR_NAME, Phase, Reason, type PhaseValue } from '../api/vocabulary.js';

/** What a node step needs from the controller. */
export interface StepContext {
  api: UpgradeApi;
  upgrade: Upgrade;
  now: Date;
  metrics: Metrics;
  /** Records an Event on the NodeUpgrade. */
  event(nu: NodeUpgrade, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  /** Remembers an object the controller wrote from version `fromRv` (its cache may lag). */
  wrote(nu: NodeUpgrade, fromRv: string | undefined): void;
}

/** Result of one step: the latest object and when to look again. */
export interface StepResult { nu: NodeUpgrade; requeueMs?: number }

/** True when the Node is Ready. */
export function nodeReady(n: V1Node | undefined): boolean {
  return n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

const secs = (from: string | undefined, now: Date) => (from ? (now.getTime() - new Date(from).getTime()) / 1000 : 0);

/** Writes NodeUpgrade.status (guarded by resourceVersion) with a phase transition Event. */
export async function setStatus(ctx: StepContext, nu: NodeUpgrade, patch: Partial<NodeUpgradeStatus>, event?: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<NodeUpgrade> {
  const prev = nu.status?.phase as PhaseValue | undefined;
  const status: NodeUpgradeStatus = { ...nu.status, ...patch };
  if (patch.phase && patch.phase !== prev) status.lastTransitionTime = ctx.now.toISOString();
  const out = await ctx.api.replaceNodeUpgradeStatus({ ...nu, status });
  ctx.wrote(out, nu.metadata.resourceVersion);
  if (patch.phase && patch.phase !== prev) {
    ctx.metrics.inc('nkd_upgrade_transitions_total', { upgrade: nu.spec.upgrade, phase: patch.phase });
    if (event) await ctx.event(out, event.type, event.reason, `${nu.spec.nodeName}: ${event.message}`);
  }
  return out;
}

/** Replaces NodeUpgrade.spec fields (guarded by resourceVersion). */
export async function setSpec(ctx: StepContext, nu: NodeUpgrade, patch: Partial<NodeUpgrade['spec']>): Promise<NodeUpgrade> {
  const out = await ctx.api.replaceNodeUpgrade({ ...nu, spec: { ...nu.spec, ...patch } });
  ctx.wrote(out, nu.metadata.resourceVersion);
  return out;
}

/** Cordons the node unless it is unschedulable already; returns whether the operator owns the cordon. */
async function cordon(ctx: StepContext, node: V1Node): Promise<boolean> {
  const mine = node.metadata?.annotations?.[Annotation.cordonedBy] === ctx.upgrade.metadata.name;
  if (node.spec?.unschedulable) return mine;
  await cordonForUpgrade(ctx, node);
  return true;
}

/** Cordons the node with the operator's annotation naming this Upgrade (guarded by the Node's resourceVersion). */
async function cordonForUpgrade(ctx: StepContext, node: V1Node): Promise<void> {
  await ctx.api.mergePatchNode(node.metadata?.name ?? '', {
    metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: { [Annotation.cordonedBy]: ctx.upgrade.metadata.name } },
    spec: { unschedulable: true },
  });
}

/**
 * Cordons again a node someone uncordoned during its turn (draining, host work, health gate,
 * rollback): pods must not land on a node about to reboot. The operator then owns the cordon
 * (its annotation, status.cordonedByOperator) and lifts it when the node is done. Returns the
 * record, updated when it acted.
 */
async function keepCordoned(ctx: StepContext, nu: NodeUpgrade, node: V1Node): Promise<NodeUpgrade> {
  if (node.spec?.unschedulable) return nu;
  const name = nu.spec.nodeName;
  await cordonForUpgrade(ctx, node);
  const out = nu.status?.cordonedByOperator ? nu : await setStatus(ctx, nu, { cordonedByOperator: true });
  await ctx.event(out, 'Warning', Reason.cordonReasserted, `${name}: uncordoned during ${nu.status?.phase}; cordoned again until its upgrade is done`);
  return out;
}

/**
 * True unless the API server's field ownership says someone other than the operator set
 * spec.unschedulable. The annotation alone cannot tell: `kubectl uncordon` leaves it, so an
 * admin who uncordons and cordons again before the operator looks would leave a cordon that
 * looks like the operator's. managedFields name the manager that last changed the field.
 */
function cordonSetByOperator(node: V1Node): boolean {
  const owners = (node.metadata?.managedFields ?? [])
    .filter((m) => !!(m.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec']?.['f:unschedulable'])
    .map((m) => m.manager);
  return owners.length === 0 || owners.includes(OPERATOR_NAME);
}

/**
 * Uncordons the node only if the operator's annotation (for this Upgrade) is on it and the API
 * server says the operator set the cordon; a cordon someone else set since is left to them
 * (only the annotation is removed). Reads the Node first: the cache holds no managedFields.
 */
export async function uncordonIfOurs(api: UpgradeApi, upgradeName: string, cached: V1Node | undefined): Promise<boolean> {
  if (!cached || cached.metadata?.annotations?.[Annotation.cordonedBy] !== upgradeName) return false;
  const node = await api.getNode(cached.metadata?.name ?? '');
  if (!node || node.metadata?.annotations?.[Annotation.cordonedBy] !== upgradeName) return false;
  const ours = !node.spec?.unschedulable || cordonSetByOperator(node);
  await api.mergePatchNode(node.metadata?.name ?? '', {
    metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: { [Annotation.cordonedBy]: null } },
    spec: ours && node.spec?.unschedulable ? { unschedulable: null } : undefined,
  });
  return ours;
}

async function healthChecks(ctx: StepContext, nu: NodeUpgrade, node: V1Node): Promise<string | undefined> {
  const spec = ctx.upgrade.spec;
  if (!nodeReady(node)) return 'the node is not Ready';
  if (spec.kubernetesVersion && !atLeast(node.status?.nodeInfo?.kubeletVersion, spec.kubernetesVersion)) {
    return `the kubelet reports ${node.status?.nodeInfo?.kubeletVersion}, not ${spec.kubernetesVersion}`;
  }
  if (spec.osImage && node.metadata?.annotations?.[Annotation.bootedImage] !== spec.osImage) return 'the node does not report the target image as booted';
  for (const c of healthGate(spec).podsReady) {
    const sel = Object.entries(c.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await ctx.api.listPods(c.namespace, sel, nu.spec.nodeName);
    const ready = pods.some((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    if (!ready) return `no Ready pod ${c.namespace}/{${sel}} on the node`;
  }
  return undefined;
}

/**
 * Fails a node whose host work (or rollback) has run past spec.host.timeoutSeconds since `from`,
 * so a dead or missing agent cannot hold a slot for ever; otherwise asks to look again at the
 * deadline. spec.hostSteps is withdrawn so a late agent starts nothing new; a retry starts over.
 */
async function hostDeadline(ctx: StepContext, input: NodeUpgrade, from: string | undefined, what: string): Promise<StepResult> {
  const limit = hostTimeoutSeconds(ctx.upgrade.spec);
  const left = limit - secs(from ?? ctx.now.toISOString(), ctx.now);
  if (left > 0) return { nu: input, requeueMs: Math.ceil(left * 1000) };
  let nu = input;
  if (nu.spec.hostSteps) nu = await setSpec(ctx, nu, { hostSteps: false });
  const message = `${what} within spec.host.timeoutSeconds (${limit}s)`;
  nu = await setStatus(ctx, nu, { phase: Phase.failed, reason: Reason.hostStepsTimeout, message, finishedAt: ctx.now.toISOString() },
    { type: 'Warning', reason: Reason.hostStepsTimeout, message });
  return { nu };
}

/** Advances one admitted node by at most one phase. */
export async function advanceNode(ctx: StepContext, input: NodeUpgrade, node: V1Node | undefined): Promise<StepResult> {
  let nu = input;
  const st = nu.status ?? {};
  const phase = (st.phase ?? Phase.admitted) as PhaseValue;
  const name = nu.spec.nodeName;
  const spec = ctx.upgrade.spec;
  if (phase === Phase.succeeded || phase === Phase.failed || phase === Phase.skipped) return { nu };
  if (!node) {
    nu = await setStatus(ctx, nu, { phase: Phase.skipped, reason: Reason.nodeDeleted, message: 'the Node was deleted during the upgrade', finishedAt: ctx.now.toISOString() },
      { type: 'Warning', reason: Reason.nodeDeleted, message: 'the Node was deleted; its slot is freed' });
    return { nu };
  }
  switch (phase) {
    case Phase.admitted: {
      const ours = await cordon(ctx, node);
      nu = await setStatus(ctx, nu, {
        phase: Phase.draining, reason: Reason.cordoned, cordonedByOperator: ours, admittedAt: st.admittedAt ?? ctx.now.toISOString(),
        drainStartedAt: ctx.now.toISOString(), message: ours ? 'cordoned; draining' : 'already cordoned by someone else (will not uncordon); draining',
      }, { type: 'Normal', reason: Reason.cordoned, message: ours ? 'cordoned, draining' : 'was already cordoned by someone else; draining' });
      return { nu, requeueMs: 0 };
    }
    case Phase.draining: {
      nu = await keepCordoned(ctx, nu, node);
      const policy = drainPolicy(spec);
      const r = await drainPass(ctx.api, name, policy, secs(st.drainStartedAt, ctx.now));
      if (r.state === 'done') {
        ctx.metrics.clearGauge('nkd_upgrade_drain_blocked', { upgrade: ctx.upgrade.metadata.name, node: name });
        ctx.metrics.observe('nkd_upgrade_step_duration_seconds', { step: 'drain' }, secs(st.drainStartedAt, ctx.now));
        // Status first, then the agent's go (spec.hostSteps): the agent's first write then
        // starts from the latest version instead of racing the operator's status write.
        nu = await setStatus(ctx, nu, { phase: Phase.upgrading, reason: Reason.drained, message: 'drained; the agent is doing the host steps', blockedBy: undefined, hostStartedAt: ctx.now.toISOString() },
          { type: 'Normal', reason: Reason.drained, message: 'drained; host steps started' });
        if (!nu.spec.hostSteps) nu = await setSpec(ctx, nu, { hostSteps: true });
        return { nu, requeueMs: hostTimeoutSeconds(spec) * 1000 };
      }
      if (r.state === 'timeout') {
        nu = await setStatus(ctx, nu, {
          phase: Phase.failed, reason: Reason.drainTimeout, finishedAt: ctx.now.toISOString(), blockedBy: r.blockedBy,
          message: `drain did not finish within ${policy.timeoutSeconds}s; ${r.remaining} pod(s) left${r.blockedBy ? `; blocked by ${r.blockedBy.pod}: ${r.blockedBy.reason}` : ''}`,
        }, { type: 'Warning', reason: Reason.drainTimeout, message: `drain timed out${r.blockedBy ? ` (blocked by ${r.blockedBy.pod}${r.blockedBy.pdb ? `, PodDisruptionBudget ${r.blockedBy.pdb}` : ''})` : ''}` });
        return { nu };
      }
      if (r.blockedBy) {
        ctx.metrics.setGauge('nkd_upgrade_drain_blocked', { upgrade: ctx.upgrade.metadata.name, node: name, pod: r.blockedBy.pod, pdb: r.blockedBy.pdb ?? '' }, 1);
        const prev = st.blockedBy;
        if (prev?.pod !== r.blockedBy.pod || prev?.pdb !== r.blockedBy.pdb) {
          nu = await setStatus(ctx, nu, { blockedBy: r.blockedBy, reason: Reason.drainBlocked, message: `drain blocked by ${r.blockedBy.pod}: ${r.blockedBy.reason}` });
          await ctx.event(nu, 'Warning', Reason.drainBlocked, `${name}: drain blocked by ${r.blockedBy.pod}: ${r.blockedBy.reason}`);
        }
      }
      const left = policy.timeoutSeconds - secs(st.drainStartedAt, ctx.now);
      return { nu, requeueMs: Math.max(100, Math.min(2000, left * 1000)) };
    }
    case Phase.upgrading: {
      nu = await keepCordoned(ctx, nu, node);
      const h = st.host && (st.host.attempt ?? 1) === (nu.spec.attempt ?? 1) ? st.host : undefined;
      if (h?.phase === HostPhase.done) {
        ctx.metrics.observe('nkd_upgrade_step_duration_seconds', { step: 'host' }, secs(st.hostStartedAt, ctx.now));
        nu = await setStatus(ctx, nu, { phase: Phase.verifying, reason: Reason.succeeded, message: `host steps done (boot ${h.bootId ?? '?'}); health gate`, verifyStartedAt: ctx.now.toISOString(), readySince: undefined });
        return { nu, requeueMs: 0 };
      }
      if (h?.phase === HostPhase.failed) {
        // a reboot that happened (a new boot ID) into the old deployment, or a host step that failed
        const bootedOld = h.step === HostStep.reboot && !!h.bootId && h.bootId !== h.preRebootBootId;
        const reason = bootedOld ? Reason.bootedOldDeployment : Reason.hostStepsFailed;
        nu = await setStatus(ctx, nu, { phase: Phase.failed, reason, message: h.message ?? 'a host step failed', finishedAt: ctx.now.toISOString() },
          { type: 'Warning', reason, message: h.message ?? 'a host step failed' });
        return { nu };
      }
      const deadline = await hostDeadline(ctx, nu, st.hostStartedAt, h
        ? `the agent reported no end of the host work (last: ${h.step ?? h.phase})`
        : 'no agent took up the host work (is the nkd-upgrade-agent pod running on the node?)');
      // resumed after a crash between the status write and the agent's go
      if (deadline.nu.status?.phase === Phase.upgrading && !deadline.nu.spec.hostSteps) deadline.nu = await setSpec(ctx, deadline.nu, { hostSteps: true });
      return deadline;
    }
    case Phase.verifying: {
      const gate = healthGate(spec);
      const problem = await healthChecks(ctx, nu, node);
      if (!problem) {
        const since = st.readySince ?? ctx.now.toISOString();
        const settled = secs(since, ctx.now) >= gate.settleSeconds;
        if (!settled) {
          nu = await keepCordoned(ctx, nu, node);
          if (!st.readySince) nu = await setStatus(ctx, nu, { readySince: since });
          return { nu, requeueMs: Math.max(50, (gate.settleSeconds - secs(since, ctx.now)) * 1000) };
        }
        if (st.cordonedByOperator) await uncordonIfOurs(ctx.api, ctx.upgrade.metadata.name, node);
        ctx.metrics.observe('nkd_upgrade_step_duration_seconds', { step: 'verify' }, secs(st.verifyStartedAt, ctx.now));
        ctx.metrics.observe('nkd_upgrade_step_duration_seconds', { step: 'total' }, secs(st.admittedAt, ctx.now));
        nu = await setStatus(ctx, nu, { phase: Phase.succeeded, reason: Reason.succeeded, message: 'at the target', finishedAt: ctx.now.toISOString() },
          { type: 'Normal', reason: Reason.succeeded, message: 'upgraded and healthy' });
        return { nu };
      }
      nu = await keepCordoned(ctx, nu, node);
      if (st.readySince) nu = await setStatus(ctx, nu, { readySince: undefined });
      if (secs(st.verifyStartedAt, ctx.now) < gate.timeoutSeconds) {
        return { nu, requeueMs: Math.min(5000, Math.max(100, (gate.timeoutSeconds - secs(st.verifyStartedAt, ctx.now)) * 1000)) };
      }
      if (spec.osImage && st.host?.completedSteps?.includes(HostStep.reboot)) {
        nu = await setSpec(ctx, nu, { rollback: true });
        nu = await setStatus(ctx, nu, { phase: Phase.rollingBack, reason: Reason.healthGateFailed, message: `health gate failed (${problem}); rolling back the OS` },
          { type: 'Warning', reason: Reason.healthGateFailed, message: `health gate failed: ${problem}; rolling back` });
        return { nu };
      }
      nu = await setStatus(ctx, nu, { phase: Phase.failed, reason: Reason.healthGateFailed, message: `health gate failed: ${problem}`, finishedAt: ctx.now.toISOString() },
        { type: 'Warning', reason: Reason.healthGateFailed, message: `health gate failed: ${problem}` });
      return { nu };
    }
    case Phase.rollingBack: {
      nu = await keepCordoned(ctx, nu, node);
      const h = st.host;
      if (h?.phase === HostPhase.rolledBack || h?.phase === HostPhase.failed) {
        const reason = h.phase === HostPhase.rolledBack ? Reason.rolledBack : Reason.hostStepsFailed;
        nu = await setStatus(ctx, nu, { phase: Phase.failed, reason, message: `health gate failed; ${h.message ?? ''}`.trim(), finishedAt: ctx.now.toISOString() },
          { type: 'Warning', reason, message: h.message ?? 'rollback finished' });
        return { nu };
      }
      return hostDeadline(ctx, nu, st.lastTransitionTime, 'the agent reported no end of the rollback');
    }
    default:
      return { nu };
  }
}
