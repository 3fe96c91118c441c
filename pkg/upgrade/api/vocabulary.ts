/**
 * The one vocabulary of the upgrade operator: API names, labels, annotations, condition types,
 * reasons and per-node phases. Each entry says who sets it and when (see docs/operator.md).
 */

/** API group of the Upgrade and NodeUpgrade resources. */
export const GROUP = 'upgrade.nkd.nestos.openeuler.org';
/** The served and stored API version. */
export const VERSION = 'v1alpha1';
/** apiVersion field value for objects of this API. */
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Plural resource name of Upgrade (cluster-scoped; written by users, status by the operator). */
export const UPGRADES = 'upgrades';
/** Plural resource name of NodeUpgrade (cluster-scoped; spec and status.phase by the operator, status.host by the agent). */
export const NODE_UPGRADES = 'nodeupgrades';

/** Labels. */
export const Label = {
  /** Set by the operator on each NodeUpgrade: the name of the Upgrade it belongs to. */
  upgrade: `${GROUP}/upgrade`,
  /** Set by the operator on each NodeUpgrade: the name of the Node it drives. */
  node: `${GROUP}/node`,
  /** Set by an admin on a Node: "true" excludes the node from every Upgrade. */
  exclude: `${GROUP}/exclude`,
  /** Set by kubeadm on control-plane Nodes; the operator reads it to find the control plane. */
  controlPlane: 'node-role.kubernetes.io/control-plane',
} as const;

/** Annotations. */
export const Annotation = {
  /** Set by the operator on a Node when it cordons it (value: Upgrade name); removed when it uncordons. Never uncordons a node without it. */
  cordonedBy: `${GROUP}/cordoned-by`,
  /** Set by the agent on its Node at start and after each boot: the booted OS image reference (by digest). */
  bootedImage: `${GROUP}/booted-image`,
  /** Set by the agent on its Node at start and after each boot: the host's boot ID. */
  bootId: `${GROUP}/boot-id`,
} as const;

/** Condition types on Upgrade.status.conditions, all set by the operator. */
export const Condition = {
  /** True while nodes remain to be upgraded and the rollout is allowed to move. */
  progressing: 'Progressing',
  /** True when every selected node runs the target. */
  available: 'Available',
  /** True when a node failed or the spec is invalid; no new node starts while it holds. */
  degraded: 'Degraded',
  /** True when spec.paused is set. */
  paused: 'Paused',
} as const;

/** Reasons used in conditions, Events and Upgrade.status.waiting/blocked, set by the operator. */
export const Reason = {
  /** The spec is refused (minor skip, major change, downgrade, bad window, empty stage): nothing starts. */
  invalidSpec: 'InvalidSpec',
  /** A node failed; it holds its slot until spec.retryNodes or spec.skipNodes names it. */
  nodeFailed: 'NodeFailed',
  rollingOut: 'RollingOut',
  waitingForWindow: 'WaitingForWindow',
  paused: 'Paused',
  /** A pending node is cordoned by someone else (not this Upgrade): not admitted until uncordoned, excluded or skipped; it holds a slot. */
  nodeCordoned: 'NodeCordoned',
  /** A node of the current stage is NotReady: a pending one is not admitted; it holds a slot. */
  nodeNotReady: 'NodeNotReady',
  /** A pending node's stage starts after the current stage. */
  laterStage: 'LaterStage',
  /** A worker waits for a control-plane node to reach the target version. */
  controlPlaneBehind: 'ControlPlaneBehind',
  /** A pending node waits for a slot of its stage's budget. */
  noFreeSlot: 'NoFreeSlot',
  /** Someone uncordoned a node during its turn; the operator cordoned it again (Event on the NodeUpgrade). */
  cordonReasserted: 'CordonReasserted',
  done: 'Done',
  notDone: 'NotDone',
  healthy: 'Healthy',
  admitted: 'Admitted',
  cordoned: 'Cordoned',
  drainBlocked: 'DrainBlocked',
  drainTimeout: 'DrainTimeout',
  drained: 'Drained',
  hostStepsFailed: 'HostStepsFailed',
  hostStepsTimeout: 'HostStepsTimeout',
  bootedOldDeployment: 'BootedOldDeployment',
  healthGateFailed: 'HealthGateFailed',
  rolledBack: 'RolledBack',
  nodeDeleted: 'NodeDeleted',
  succeeded: 'Succeeded',
  alreadyAtTarget: 'AlreadyAtTarget',
  retried: 'Retried',
  skipped: 'Skipped',
} as const;

/**
 * Operator-side phase of one node (NodeUpgrade.status.phase), written by the operator only.
 * Admitted → Draining → Upgrading → Verifying → (RollingBack →) Succeeded | Failed | Skipped.
 */
export const Phase = {
  /** Admitted into the in-flight set by a guarded Upgrade status write; not yet cordoned. */
  admitted: 'Admitted',
  /** Cordoned by the operator and being drained. */
  draining: 'Draining',
  /** Drained; the agent is doing the host steps (spec.hostSteps = true). */
  upgrading: 'Upgrading',
  /** Host steps done; waiting for the health gate (Ready, versions, settle time). */
  verifying: 'Verifying',
  /** Health gate failed after an OS change; the agent is rolling back. */
  rollingBack: 'RollingBack',
  /** Done: at target, uncordoned if the operator had cordoned it. */
  succeeded: 'Succeeded',
  /** Failed: keeps its slot, the Upgrade is Degraded until the admin retries or skips it. */
  failed: 'Failed',
  /** Skipped by the admin (spec.skipNodes); frees its slot. */
  skipped: 'Skipped',
} as const;
/** One of the values of {@link Phase}. */
export type PhaseValue = (typeof Phase)[keyof typeof Phase];

/** Phases in which a node occupies a slot of the budget. */
export const IN_FLIGHT_PHASES: readonly PhaseValue[] = [
  Phase.admitted, Phase.draining, Phase.upgrading, Phase.verifying, Phase.rollingBack, Phase.failed,
];

/**
 * Agent-side phase of the host work (NodeUpgrade.status.host.phase), written by the agent only.
 */
export const HostPhase = {
  /** The agent has not started (or is waiting for spec.hostSteps). */
  idle: 'Idle',
  /** Running host steps (status.host.step names the current one). */
  running: 'Running',
  /** Rebooting into the new deployment (status.host.preRebootBootId is the old boot ID). */
  rebooting: 'Rebooting',
  /** All host steps done, booted into the target (bootId and bootedImage reported). */
  done: 'Done',
  /** A host step failed; status.host.message says which and why. */
  failed: 'Failed',
  /** Rolled back to the previous deployment after spec.rollback was set. */
  rolledBack: 'RolledBack',
} as const;

/** Host step names, in order (NodeUpgrade.status.host.completedSteps). */
export const HostStep = {
  rebase: 'Rebase',
  kubeadm: 'KubeadmUpgrade',
  kubeletRestart: 'KubeletRestart',
  reboot: 'Reboot',
  rollback: 'Rollback',
} as const;

/** Name of the control-plane stage, always first and serial. */
export const CONTROL_PLANE_STAGE = 'control-plane';
/** Name of the implicit worker stage for nodes no declared stage selects. */
export const DEFAULT_WORKER_STAGE = 'workers';
/** Field manager / Event source of the operator. */
export const OPERATOR_NAME = 'nkd-upgrade-operator';
/** Field manager / Event source of the agent. */
export const AGENT_NAME = 'nkd-upgrade-agent';
/** Name of the Lease the operator replicas compete for. */
export const LEASE_NAME = 'nkd-upgrade-operator';
/** Default namespace of the operator, agent and Lease. */
export const DEFAULT_NAMESPACE = 'nkd-system';
