/**
 * The upgrade API objects (the spec and status types are generated from schema.ts into
 * types.gen.ts; this file wraps them into whole Kubernetes objects and resolves defaults).
 */
import { upgradeSpecSchema } from './schema.js';
import type { NodeUpgradeSpec, NodeUpgradeStatus, UpgradeSpec, UpgradeStatus } from './types.gen.js';

export type { NodeUpgradeSpec, NodeUpgradeStatus, UpgradeSpec, UpgradeStatus } from './types.gen.js';

// The defaults below are the schema's (the API server applies the same ones).
const DRAIN = upgradeSpecSchema.properties.drain.properties;
const GATE = upgradeSpecSchema.properties.healthGate.properties;

/** The metadata fields the operator reads and writes. */
export interface ObjectMeta {
  name: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  deletionTimestamp?: string;
}

/** An Upgrade object. */
export interface Upgrade {
  apiVersion: string;
  kind: 'Upgrade';
  metadata: ObjectMeta;
  spec: UpgradeSpec;
  status?: UpgradeStatus;
}

/** A NodeUpgrade object: the per-node record of one Upgrade. */
export interface NodeUpgrade {
  apiVersion: string;
  kind: 'NodeUpgrade';
  metadata: ObjectMeta;
  spec: NodeUpgradeSpec;
  status?: NodeUpgradeStatus;
}

/** One condition of Upgrade.status.conditions. */
export type UpgradeCondition = NonNullable<UpgradeStatus['conditions']>[number];
/** One entry of Upgrade.status.plan. */
export type PlanEntry = NonNullable<UpgradeStatus['plan']>[number];
/** The agent's report in NodeUpgrade.status.host. */
export type HostReport = NonNullable<NodeUpgradeStatus['host']>;

/** Drain policy with defaults applied. */
export interface DrainPolicy {
  timeoutSeconds: number;
  gracePeriodSeconds?: number;
  deleteEmptyDirData: boolean;
  evictUnmanagedPods: boolean;
  onTimeout: 'Fail' | 'ForceDelete';
}

/** The drain policy of an Upgrade with the schema defaults applied (the API server applies them too). */
export function drainPolicy(spec: UpgradeSpec): DrainPolicy {
  const d = spec.drain ?? {};
  return {
    timeoutSeconds: d.timeoutSeconds ?? DRAIN.timeoutSeconds.default,
    gracePeriodSeconds: d.gracePeriodSeconds,
    deleteEmptyDirData: d.deleteEmptyDirData ?? DRAIN.deleteEmptyDirData.default,
    evictUnmanagedPods: d.evictUnmanagedPods ?? DRAIN.evictUnmanagedPods.default,
    onTimeout: d.onTimeout ?? DRAIN.onTimeout.default,
  };
}

/** Health gate with defaults applied. */
export function healthGate(spec: UpgradeSpec): { settleSeconds: number; timeoutSeconds: number; podsReady: { namespace: string; matchLabels: Record<string, string> }[] } {
  const h = spec.healthGate ?? {};
  return { settleSeconds: h.settleSeconds ?? GATE.settleSeconds.default, timeoutSeconds: h.timeoutSeconds ?? GATE.timeoutSeconds.default, podsReady: h.podsReady ?? [] };
}

/** How long a node's host work may take (schema default applied). */
export function hostTimeoutSeconds(spec: UpgradeSpec): number {
  return spec.host?.timeoutSeconds ?? upgradeSpecSchema.properties.host.properties.timeoutSeconds.default;
}
