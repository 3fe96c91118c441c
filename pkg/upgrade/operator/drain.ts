/**
 * Drain: cordon, then evict through the eviction API (which honours PodDisruptionBudgets).
 * One call is one non-blocking pass, so the controller can requeue and stay event-driven; the
 * pass reports which pod and which PodDisruptionBudget block the drain.
 */
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { UpgradeApi } from '../kube/upgrade-api.js';
import type { DrainPolicy } from '../api/types.js';

/** Why a pod blocks the drain. */
export interface DrainBlocker { pod: string; pdb?: string; reason: string }

/** Result of one drain pass. */
export interface DrainResult {
  /** done: nothing left; pending: evictions in progress; blocked: a pod cannot go yet; timeout: the policy's timeout passed and onTimeout is Fail. */
  state: 'done' | 'pending' | 'blocked' | 'timeout';
  remaining: number;
  blockedBy?: DrainBlocker;
}

/** True for pods the drain leaves alone: DaemonSet pods, mirror (static) pods and finished pods. */
function ignoredByDrain(p: V1Pod): boolean {
  if (p.metadata?.annotations?.['kubernetes.io/config.mirror']) return true;
  if (p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller)) return true;
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** A reason this policy refuses to evict the pod, or undefined if it may be evicted. */
function refusal(p: V1Pod, policy: DrainPolicy): string | undefined {
  if (!policy.evictUnmanagedPods && !p.metadata?.ownerReferences?.some((o) => o.controller)) {
    return 'the pod has no controller (set spec.drain.evictUnmanagedPods to evict it; it will not be recreated)';
  }
  if (!policy.deleteEmptyDirData && p.spec?.volumes?.some((v) => v.emptyDir)) {
    return 'the pod uses emptyDir (set spec.drain.deleteEmptyDirData to evict it; its data is lost)';
  }
  return undefined;
}

function podName(p: V1Pod): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}

function selects(pdb: V1PodDisruptionBudget, p: V1Pod): boolean {
  const labels = p.metadata?.labels ?? {};
  const sel = pdb.spec?.selector;
  if (!sel) return false;
  const okLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const okExpr = (sel.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    switch (e.operator) {
      case 'In': return v !== undefined && (e.values ?? []).includes(v);
      case 'NotIn': return v === undefined || !(e.values ?? []).includes(v);
      case 'Exists': return v !== undefined;
      case 'DoesNotExist': return v === undefined;
      default: return false;
    }
  });
  return okLabels && okExpr;
}

/** The name of the PodDisruptionBudget that covers the pod, if any. */
async function blockingPdb(api: UpgradeApi, p: V1Pod): Promise<string | undefined> {
  const pdbs = await api.listPdbs(p.metadata?.namespace ?? 'default');
  const hit = pdbs.find((b) => selects(b, p));
  return hit ? `${hit.metadata?.namespace}/${hit.metadata?.name}` : undefined;
}

/**
 * One drain pass over the node's pods (the node is already cordoned). `elapsedSeconds` is the
 * time since the drain started; past the policy's timeout the pass fails or force-deletes.
 */
export async function drainPass(api: UpgradeApi, node: string, policy: DrainPolicy, elapsedSeconds: number): Promise<DrainResult> {
  const pods = (await api.listPodsOnNode(node)).filter((p) => !ignoredByDrain(p));
  if (pods.length === 0) return { state: 'done', remaining: 0 };
  const timedOut = elapsedSeconds >= policy.timeoutSeconds;
  if (timedOut && policy.onTimeout === 'ForceDelete') {
    for (const p of pods) await api.deletePod(p.metadata?.namespace ?? 'default', p.metadata?.name ?? '', 0);
    return { state: 'pending', remaining: pods.length };
  }
  let blockedBy: DrainBlocker | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue; // already going
    const why = refusal(p, policy);
    if (why) { blockedBy = blockedBy ?? { pod: podName(p), reason: why }; continue; }
    const r = await api.evictPod(p.metadata?.namespace ?? 'default', p.metadata?.name ?? '', policy.gracePeriodSeconds);
    if (r === 'blocked' && !blockedBy) {
      const pdb = await blockingPdb(api, p);
      blockedBy = { pod: podName(p), pdb, reason: `evicting it would violate PodDisruptionBudget ${pdb ?? '(unknown)'}` };
    }
  }
  if (timedOut) return { state: 'timeout', remaining: pods.length, blockedBy };
  return { state: blockedBy ? 'blocked' : 'pending', remaining: pods.length, blockedBy };
}
