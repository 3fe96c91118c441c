/**
 * The operator's install manifests as typed data: namespace, CRDs, least-privilege RBAC,
 * ServiceAccounts, the operator Deployment (2 replicas, Lease leader election) and the agent
 * DaemonSet (tolerates the control-plane taint). The deployer applies them with server-side
 * apply; `nkd operator manifests` prints them for GitOps.
 */
import yaml from 'js-yaml';
import { crdObjects } from '../api/crd-gen.js';
import { AGENT_NAME, DEFAULT_NAMESPACE, GROUP, LEASE_NAME, NODE_UPGRADES, OPERATOR_NAME, UPGRADES } from '../api/vocabulary.js';

/** Options of {@link operatorManifests}. */
export interface ManifestOptions {
  namespace?: string;
  /** The nkd image (holds dist/ with the operator and the agent). */
  image: string;
  replicas?: number;
  /**
   * The cluster's Kubernetes version (vX.Y.Z or X.Y.Z). Before 1.30 there is no
   * ValidatingAdmissionPolicy v1 (nor the node name in Pod-bound tokens), so the agent
   * confinement is left out; unset means a current cluster.
   */
  kubernetesVersion?: string;
}

const OPERATOR = OPERATOR_NAME;
const AGENT = AGENT_NAME;
const appLabels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'nkd' });

/**
 * V8 flags of the operator process. Its live heap is small (about 40 MiB while watching 5,000
 * Nodes: the Node cache is slimmed) but V8 lets the heap grow far past it before collecting;
 * a cap on the old space keeps the resident size near the live set. The benchmark
 * test/bench/upgrade/operator-memory.bench.ts starts the operator with these flags.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ['--max-old-space-size=192'];

/** Every object needed to run the upgrade operator, in apply order. */
export function operatorManifests(opts: ManifestOptions): object[] {
  const ns = opts.namespace ?? DEFAULT_NAMESPACE;
  if (!opts.image) throw new Error('operatorManifests: image is required');
  const replicas = opts.replicas ?? 2;
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels: appLabels(name.startsWith(AGENT) ? AGENT : OPERATOR) });
  const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65532, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'app.kubernetes.io/part-of': 'nkd', 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    ...crdObjects(),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(OPERATOR) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(AGENT) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(OPERATOR, false),
      rules: [
        { apiGroups: [GROUP], resources: [UPGRADES], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [GROUP], resources: [`${UPGRADES}/status`], verbs: ['update', 'patch'] },
        { apiGroups: [GROUP], resources: [NODE_UPGRADES], verbs: ['get', 'list', 'watch', 'create', 'update'] },
        { apiGroups: [GROUP], resources: [`${NODE_UPGRADES}/status`], verbs: ['update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
        { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(OPERATOR, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR, namespace: ns }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(OPERATOR),
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [LEASE_NAME], verbs: ['get', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(OPERATOR),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: OPERATOR },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR, namespace: ns }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(AGENT, false),
      rules: [
        { apiGroups: [GROUP], resources: [NODE_UPGRADES], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [GROUP], resources: [`${NODE_UPGRADES}/status`], verbs: ['update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(AGENT, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AGENT },
      subjects: [{ kind: 'ServiceAccount', name: AGENT, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(OPERATOR),
      spec: {
        replicas,
        selector: { matchLabels: appLabels(OPERATOR) },
        template: {
          metadata: { labels: appLabels(OPERATOR) },
          spec: {
            serviceAccountName: OPERATOR,
            priorityClassName: 'system-cluster-critical',
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: appLabels(OPERATOR) } } }] } },
            containers: [{
              name: 'operator', image: opts.image,
              command: ['node', ...OPERATOR_NODE_FLAGS, '/app/dist/cmd/operator/main.js'],
              args: ['--metrics-address=:8080'],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              ports: [{ name: 'metrics', containerPort: 8080 }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5 },
              resources: { requests: { cpu: '50m', memory: '160Mi' }, limits: { memory: '384Mi' } },
              securityContext: restricted,
            }],
          },
        },
      },
    },
    ...(confinementSupported(opts.kubernetesVersion) ? agentConfinement(ns) : []),
    {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(AGENT),
      spec: {
        selector: { matchLabels: appLabels(AGENT) },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: appLabels(AGENT) },
          spec: {
            serviceAccountName: AGENT,
            hostPID: true,
            priorityClassName: 'system-node-critical',
            tolerations: [
              { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
            ],
            containers: [{
              name: 'agent', image: opts.image,
              command: ['node', '/app/dist/cmd/agent/main.js'],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              // nsenter into PID 1's namespaces needs a privileged container with the host PID
              // namespace, running as root: the image's default user (65532, the operator's) may
              // not open /proc/1/ns/* (found on the real cluster, docs/adr/0101).
              securityContext: { privileged: true, runAsUser: 0, runAsGroup: 0 },
              resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            }],
          },
        },
      },
    },
  ];
}

/** True when the cluster version can enforce {@link agentConfinement} (1.30 or later, or unknown). */
function confinementSupported(version: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return !m || Number(m[1]) > 1 || Number(m[2]) >= 30;
}

/** Name of the admission policy that confines each agent to its own node. */
export const AGENT_POLICY = `${AGENT}-own-node`;

/**
 * RBAC cannot say "only your own Node", so a ValidatingAdmissionPolicy does: a request of the
 * agent's ServiceAccount may change only the Node named in its token (the API server puts the
 * node of a Pod-bound token into the user's extra `authentication.kubernetes.io/node-name`)
 * and only that node's NodeUpgrade status; on its Node it may change annotations, never the
 * spec or labels. A stolen agent token cannot cordon, uncordon or relabel other nodes.
 */
export function agentConfinement(ns: string): object[] {
  const nodeKey = 'authentication.kubernetes.io/node-name';
  const own = `request.userInfo.extra['${nodeKey}'][0]`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy',
      metadata: { name: AGENT_POLICY, labels: appLabels(AGENT) },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['nodes'] },
            { apiGroups: [GROUP], apiVersions: ['*'], operations: ['UPDATE'], resources: [`${NODE_UPGRADES}/status`] },
          ],
        },
        matchConditions: [{ name: 'is-the-agent', expression: `request.userInfo.username == 'system:serviceaccount:${ns}:${AGENT}'` }],
        validations: [
          {
            expression: `'${nodeKey}' in request.userInfo.extra && size(request.userInfo.extra['${nodeKey}']) > 0`,
            message: 'the nkd upgrade agent must use a token bound to its Pod (no node name in the token)',
            reason: 'Forbidden',
          },
          {
            expression: `(request.resource.resource == 'nodes' ? object.metadata.name : object.spec.nodeName) == ${own}`,
            messageExpression: `'the nkd upgrade agent on ' + ${own} + ' may change only its own Node and NodeUpgrades, not ' + (request.resource.resource == 'nodes' ? object.metadata.name : object.spec.nodeName)`,
            reason: 'Forbidden',
          },
          {
            expression: `request.resource.resource != 'nodes' || (object.spec == oldObject.spec && (has(object.metadata.labels) ? object.metadata.labels : {}) == (has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}))`,
            message: 'the nkd upgrade agent may change only annotations of its Node',
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: AGENT_POLICY, labels: appLabels(AGENT) },
      spec: { policyName: AGENT_POLICY, validationActions: ['Deny'] },
    },
  ];
}

/** The operator manifests as one multi-document YAML text (what `nkd operator manifests` prints). */
export function manifestsYaml(opts: ManifestOptions): string {
  return operatorManifests(opts).map((o) => yaml.dump(o, { noRefs: true, lineWidth: 120 })).join('---\n');
}
