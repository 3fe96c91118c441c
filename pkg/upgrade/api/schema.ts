/**
 * The single schema of the upgrade API (OpenAPI v3 structural schemas). The CRDs in crds/ and
 * the TypeScript types in types.gen.ts are generated from it by crd-gen.ts; edit only here.
 */

const dnsLabel = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } as const;
const nodeName = { type: 'string', minLength: 1, maxLength: 253 } as const;
const nodeList = (description: string) =>
  ({ type: 'array', description, items: nodeName, 'x-kubernetes-list-type': 'set', maxItems: 5000 }) as const;

/** Selects nodes by labels (every label must match). */
const selector = {
  type: 'object',
  description: 'Selects nodes whose labels include all of matchLabels.',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels a node must carry.' },
  },
} as const;

/** maxUnavailable: a count >= 1 or a percentage 1%..100% of the stage's nodes. */
const maxUnavailable = {
  description: 'How many nodes of a stage may be unavailable at once (in progress or failed; pending and NotReady or cordoned by anyone; at the target and NotReady): a count >= 1 or a percentage like "25%" (rounded down, at least 1).',
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  maxLength: 4,
  'x-kubernetes-validations': [
    {
      rule: "type(self) == int ? self >= 1 : self.matches('^([1-9][0-9]?|100)%$')",
      message: 'maxUnavailable must be an integer >= 1 or a percentage from 1% to 100%',
    },
  ],
} as const;

const time = { type: 'string', format: 'date-time' } as const;

/** How many entries of the planner's waiting list Upgrade.status.waiting carries. */
export const WAITING_SHOWN = 50;

/** Schema of Upgrade.spec. */
export const upgradeSpecSchema = {
  type: 'object',
  description: 'What to roll out, to which nodes, in which order and under which limits.',
  'x-kubernetes-validations': [
    { rule: 'has(self.osImage) || has(self.kubernetesVersion)', message: 'set a target: osImage and/or kubernetesVersion' },
  ],
  properties: {
    osImage: {
      type: 'string',
      maxLength: 1024,
      pattern: '^[^\\s@]+@sha256:[a-f0-9]{64}$',
      description: 'Target NestOS image as a container reference pinned by digest (registry/repo@sha256:<64 hex>); rebased with rpm-ostree.',
    },
    kubernetesVersion: {
      type: 'string',
      pattern: '^v[0-9]+\\.[0-9]+\\.[0-9]+$',
      description: 'Target Kubernetes version (vMAJOR.MINOR.PATCH); at most one minor version above the control plane.',
    },
    nodeSelector: { ...selector, description: 'Only nodes with these labels take part (default: all nodes).' },
    maxUnavailable: { ...maxUnavailable, default: 1 },
    stages: {
      type: 'array',
      maxItems: 32,
      description: 'Ordered worker stages after the control plane (always first, one node at a time). A worker goes to the first stage that selects it; workers no stage selects form a final stage "workers".',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        type: 'object',
        required: ['name', 'nodeSelector'],
        properties: {
          name: {
            ...dnsLabel,
            description: 'Stage name (not "control-plane" or "workers").',
            'x-kubernetes-validations': [
              { rule: "self != 'control-plane' && self != 'workers'", message: 'stage name "control-plane" and "workers" are reserved' },
            ],
          },
          nodeSelector: selector,
          maxUnavailable,
        },
      },
    },
    drain: {
      type: 'object',
      description: 'How nodes are drained before host work.',
      default: {},
      properties: {
        timeoutSeconds: { type: 'integer', minimum: 1, default: 600, description: 'How long evictions may take.' },
        gracePeriodSeconds: { type: 'integer', minimum: 0, description: "Overrides each pod's termination grace period." },
        deleteEmptyDirData: { type: 'boolean', default: false, description: 'Evict pods with emptyDir volumes (their data is lost); otherwise such pods block the drain.' },
        evictUnmanagedPods: { type: 'boolean', default: false, description: 'Evict pods no controller manages (they are not recreated); otherwise such pods block the drain.' },
        onTimeout: {
          type: 'string',
          enum: ['Fail', 'ForceDelete'],
          default: 'Fail',
          description: 'When the timeout passes: Fail the node, or ForceDelete the remaining pods (ignoring PodDisruptionBudgets).',
        },
      },
    },
    healthGate: {
      type: 'object',
      description: 'What must hold after the host work before the next node may start.',
      default: {},
      properties: {
        settleSeconds: { type: 'integer', minimum: 0, default: 30, description: 'How long the node must stay Ready at the target.' },
        timeoutSeconds: { type: 'integer', minimum: 1, default: 900, description: 'How long the gate may take before the node fails (and an OS change is rolled back).' },
        podsReady: {
          type: 'array',
          maxItems: 16,
          description: 'Pods on the node that must be Ready (for example the CNI).',
          items: {
            type: 'object',
            required: ['namespace', 'matchLabels'],
            properties: {
              namespace: dnsLabel,
              matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
        },
      },
    },
    host: {
      type: 'object',
      description: "Limits of the agent's host work on one node (rebase, kubeadm, kubelet restart, reboot; or a rollback).",
      default: {},
      properties: {
        timeoutSeconds: {
          type: 'integer', minimum: 1, default: 3600,
          description: 'How long the host work may take from the end of the drain (a rollback: from its start) before the node fails; a dead or missing agent fails the node after this time instead of holding its slot.',
        },
      },
    },
    window: {
      type: 'object',
      description: 'Maintenance window: new nodes start only inside it; a node in progress finishes.',
      required: ['days', 'start', 'end'],
      'x-kubernetes-validations': [{ rule: 'self.start != self.end', message: 'window.start equals window.end: the window never opens' }],
      properties: {
        days: {
          type: 'array',
          minItems: 1,
          maxItems: 7,
          'x-kubernetes-list-type': 'set',
          items: { type: 'string', enum: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] },
          description: 'Days on which the window opens.',
        },
        start: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Opening time HH:MM.' },
        end: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Closing time HH:MM (before start: the window spans midnight).' },
        timeZone: { type: 'string', default: 'UTC', maxLength: 64, description: 'IANA time zone of start and end.' },
      },
    },
    paused: { type: 'boolean', default: false, description: 'When true no new node starts; nodes in progress finish their current step.' },
    excludeNodes: nodeList('Nodes never touched by this Upgrade.'),
    retryNodes: nodeList('Failed nodes to try again: each addition (a new generation) retries the node once.'),
    skipNodes: nodeList('Failed or pending nodes to give up on: they free their slot (and are uncordoned if the operator cordoned them).'),
  },
} as const;

const condition = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    lastTransitionTime: time,
    observedGeneration: { type: 'integer' },
  },
} as const;

const count = { type: 'integer', minimum: 0 } as const;

/** Schema of Upgrade.status (written by the operator only). */
export const upgradeStatusSchema = {
  type: 'object',
  description: 'The truth about the rollout, written by the operator.',
  properties: {
    observedGeneration: { type: 'integer' },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    currentStage: { type: 'string', description: 'The stage nodes are admitted from now.' },
    counts: {
      type: 'object',
      properties: {
        total: count, succeeded: count, inProgress: count, failed: count, skipped: count,
        pending: count, excluded: count, unavailable: count,
      },
    },
    plan: {
      type: 'array',
      description: 'Every selected node in rollout order.',
      items: {
        type: 'object',
        required: ['node', 'stage'],
        properties: {
          node: { type: 'string' },
          stage: { type: 'string' },
          kubeadm: { type: 'string', enum: ['apply', 'node', 'none'] },
        },
      },
    },
    inFlight: {
      type: 'array',
      description: 'Nodes admitted and not finished (failed nodes stay here). Written with resourceVersion before the node is touched.',
      items: { type: 'string' },
    },
    message: { type: 'string' },
    blocked: {
      type: 'object',
      description: 'The first problem a person must act on (a failed node, a blocked drain, a node cordoned by someone else or NotReady, a control-plane node left out); absent while the rollout moves on its own.',
      required: ['reason', 'message'],
      properties: {
        node: { type: 'string' },
        reason: { type: 'string', description: 'InvalidSpec, NodeFailed, DrainBlocked, NodeCordoned, NodeNotReady or ControlPlaneBehind.' },
        message: { type: 'string' },
        pod: { type: 'string', description: 'namespace/name of the pod the drain cannot evict.' },
        pdb: { type: 'string', description: 'namespace/name of the PodDisruptionBudget that forbids the eviction.' },
        summary: { type: 'string', description: 'One line for `kubectl get upgrades` (the Blocked column).' },
      },
    },
    waiting: {
      type: 'array',
      maxItems: WAITING_SHOWN,
      description: `Why pending nodes are not admitted now (the first ${WAITING_SHOWN}: nodes cordoned by someone else or NotReady first, then in plan order).`,
      items: {
        type: 'object',
        required: ['node', 'reason'],
        properties: { node: { type: 'string' }, stage: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** Schema of NodeUpgrade.spec (written by the operator). */
export const nodeUpgradeSpecSchema = {
  type: 'object',
  required: ['upgrade', 'nodeName', 'stage'],
  properties: {
    upgrade: { type: 'string', description: 'The owning Upgrade.' },
    nodeName: nodeName,
    stage: { type: 'string' },
    osImage: { type: 'string' },
    kubernetesVersion: { type: 'string' },
    kubeadmAction: { type: 'string', enum: ['apply', 'node', 'none'], description: 'kubeadm upgrade apply (first control-plane node), node (the others) or none.' },
    hostSteps: { type: 'boolean', description: 'Set by the operator once the node is drained: the agent may do the host work.' },
    rollback: { type: 'boolean', description: 'Set by the operator when the health gate fails after an OS change: the agent rolls back.' },
    attempt: { type: 'integer', minimum: 1, description: 'Incremented on each retry; the agent restarts its steps for a new attempt.' },
  },
} as const;

/** Schema of NodeUpgrade.status (phase by the operator, host by the agent). */
export const nodeUpgradeStatusSchema = {
  type: 'object',
  properties: {
    phase: { type: 'string', enum: ['Admitted', 'Draining', 'Upgrading', 'Verifying', 'RollingBack', 'Succeeded', 'Failed', 'Skipped'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    cordonedByOperator: { type: 'boolean', description: 'True when the operator cordoned the node (only then it uncordons it).' },
    retriedGeneration: { type: 'integer', description: 'Upgrade generation whose retryNodes entry was consumed.' },
    admittedAt: time,
    drainStartedAt: time,
    hostStartedAt: time,
    verifyStartedAt: time,
    readySince: time,
    finishedAt: time,
    lastTransitionTime: time,
    blockedBy: {
      type: 'object',
      description: 'What blocks the drain.',
      properties: { pod: { type: 'string' }, pdb: { type: 'string' }, reason: { type: 'string' } },
    },
    host: {
      type: 'object',
      description: 'Written by the agent.',
      properties: {
        phase: { type: 'string', enum: ['Idle', 'Running', 'Rebooting', 'Done', 'Failed', 'RolledBack'] },
        attempt: { type: 'integer' },
        step: { type: 'string' },
        completedSteps: { type: 'array', items: { type: 'string' } },
        message: { type: 'string' },
        bootId: { type: 'string' },
        preRebootBootId: { type: 'string' },
        rebootRequests: { type: 'integer', minimum: 0, description: 'Reboot requests made on the boot preRebootBootId names.' },
        rebootRequestedAt: time,
        bootedImage: { type: 'string' },
        bootedDeployment: { type: 'string' },
        updatedAt: time,
      },
    },
  },
} as const;

/** The whole object schema of one kind (apiVersion, kind, metadata, spec, status). */
export function objectSchema(spec: object, status: object, specRequired: boolean): object {
  return {
    type: 'object',
    required: specRequired ? ['spec'] : [],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec,
      status,
    },
  };
}
