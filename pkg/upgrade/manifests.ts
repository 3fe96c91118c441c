/**
 * The operator's install manifests as typed data: namespace, CRDs, least-privilege RBAC,
 * ServiceAccounts, the operator Deployment (2 replicas, Lease leader election) and the agent
 * DaemonSet (tolerates the control-plane taint). The deployer applies them with server-side
 * apply; `nkd operator manifests` prints them for GitOps.
 */
import { crdObjects } from './crd-gen.js';
import { DEFAULT_NAMESPACE, GROUP, LEASE_NAME, NODE_UPGRADES, UPGRADES } from './vocabulary.js';

/** Options of {@link operatorManifests}. */
export interface ManifestOptions {
  namespace?: string;
  /** The nkd image (holds dist/ with the operator and the agent). */
  image: string;
  replicas?: number;
}

const OPERATOR = 'nkd-upgrade-operator';
const AGENT = 'nkd-upgrade-agent';
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
              // nsenter into PID 1's namespaces needs a privileged container with the host PID namespace.
              securityContext: { privileged: true },
              resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            }],
          },
        },
      },
    },
  ];
}
