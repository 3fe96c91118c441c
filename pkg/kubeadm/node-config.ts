import yaml from 'js-yaml';
import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { parseVersion } from '../config/versions.js';
import { kubeadmApiVersion } from './api-version.js';
import { criSocket } from './cri.js';
import { defaultKeyType } from '../pki/keys.js';
import type {
  Arg, ClusterConfiguration, InitConfiguration, JoinConfiguration, KubeadmDocument, KubeadmTaint,
  KubeletConfiguration, KubeProxyConfiguration, NodeRegistration,
} from './types.js';

/** What kubeadm does on a node. */
export type KubeadmAction = 'init' | 'join-control-plane' | 'join';

/** Cluster-wide inputs of the kubeadm files that come from the PKI asset. */
export interface KubeadmInputs {
  /** The bootstrap token "abcdef.0123456789abcdef". */
  token: string;
  /** kubeadm discovery pin of the cluster CA ("sha256:<hex>"). */
  caCertHash: string;
}

/** The kubeadm action of a node: the first control-plane node inits, the others join. */
export function kubeadmAction(c: ClusterConfig, node: ClusterNode): KubeadmAction {
  if (node.role === 'worker') return 'join';
  return c.spec.nodes.find((n) => n.role === 'control-plane') === node ? 'init' : 'join-control-plane';
}

const CONTROL_PLANE_TAINT: KubeadmTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

function endpoint(c: ClusterConfig): string {
  const { host, port } = c.spec.kubernetes.controlPlaneEndpoint;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function sortedEntries(o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The node's kubelet flags: its own kubeletExtraArgs plus node-ip and node-labels. */
function kubeletArgs(node: ClusterNode): Array<[string, string]> {
  const args: Record<string, string> = { ...node.kubeletExtraArgs };
  if (node.ip && !args['node-ip']) args['node-ip'] = node.ip;
  const labels = sortedEntries(node.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length && !args['node-labels']) args['node-labels'] = labels.join(',');
  return sortedEntries(args);
}

/**
 * Whether the hosts run cgroup v1 under a Kubernetes that refuses it by default (1.35+): the
 * kubelet then needs failCgroupV1: false and kubeadm's SystemVerification check fails.
 */
function cgroupV1Tolerated(c: ClusterConfig): boolean {
  const v = parseVersion(c.spec.kubernetes.version);
  return c.spec.os.cgroupVersion === 'v1' && !!v && (v.major > 1 || v.minor >= 35);
}

/** kubeadm's name of the preflight check that fails on a cgroup v1 host (1.35+). */
const CGROUP_V1_PREFLIGHT_CHECK = 'SystemVerification';

function nodeRegistration(c: ClusterConfig, node: ClusterNode, v1beta4: boolean): NodeRegistration {
  const taints: KubeadmTaint[] = node.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  if (node.role === 'control-plane' && !taints.some((t) => t.key === CONTROL_PLANE_TAINT.key)) taints.unshift(CONTROL_PLANE_TAINT);
  const args = kubeletArgs(node);
  return {
    name: node.name,
    criSocket: criSocket(c.spec.containerRuntime.type),
    taints,
    kubeletExtraArgs: v1beta4 ? args.map(([name, value]): Arg => ({ name, value })) : Object.fromEntries(args),
    ...(cgroupV1Tolerated(c) ? { ignorePreflightErrors: [CGROUP_V1_PREFLIGHT_CHECK] } : {}),
  };
}

/**
 * The kubeadm documents of one node: Init + Cluster + Kubelet + KubeProxy configuration for
 * the first control-plane node (the cluster-wide ones only matter at init), a
 * JoinConfiguration for every other node.
 */
export function kubeadmDocuments(c: ClusterConfig, node: ClusterNode, inputs: KubeadmInputs): KubeadmDocument[] {
  const k = c.spec.kubernetes;
  const apiVersion = kubeadmApiVersion(k.version);
  const v1beta4 = apiVersion.endsWith('v1beta4');
  const action = kubeadmAction(c, node);
  const localAPIEndpoint = { advertiseAddress: node.ip ?? '', bindPort: k.controlPlaneEndpoint.port };
  if (action !== 'init') {
    const join: JoinConfiguration = {
      apiVersion,
      kind: 'JoinConfiguration',
      discovery: { bootstrapToken: { apiServerEndpoint: endpoint(c), token: inputs.token, caCertHashes: [inputs.caCertHash] } },
      nodeRegistration: nodeRegistration(c, node, v1beta4),
      ...(action === 'join-control-plane' ? { controlPlane: { localAPIEndpoint } } : {}),
    };
    return [join];
  }
  const init: InitConfiguration = {
    apiVersion,
    kind: 'InitConfiguration',
    bootstrapTokens: [{
      token: inputs.token,
      description: `nkd: join token of cluster ${c.metadata.name}`,
      ttl: k.bootstrapTokenTTL,
      usages: ['signing', 'authentication'],
      groups: ['system:bootstrappers:kubeadm:default-node-token'],
    }],
    nodeRegistration: nodeRegistration(c, node, v1beta4),
    localAPIEndpoint,
  };
  const cluster: ClusterConfiguration = {
    apiVersion,
    kind: 'ClusterConfiguration',
    clusterName: c.metadata.name,
    kubernetesVersion: `v${k.version}`,
    controlPlaneEndpoint: endpoint(c),
    imageRepository: k.imageRepository,
    certificatesDir: '/etc/kubernetes/pki',
    ...(v1beta4 ? certificateSettings(c) : {}),
    networking: { ...k.networking },
    etcd: { local: { dataDir: '/var/lib/etcd' } },
  };
  const kubelet: KubeletConfiguration = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    ...(cgroupV1Tolerated(c) ? { failCgroupV1: false } : {}),
  };
  const conntrack = k.kubeProxy.conntrackMaxPerCore;
  const proxy: KubeProxyConfiguration = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clusterCIDR: k.networking.podSubnet,
    ...(conntrack !== undefined ? { conntrack: { maxPerCore: conntrack } } : {}),
  };
  return [init, cluster, kubelet, proxy];
}

/**
 * v1beta4 settings for the keys and certificates kubeadm makes on the node (its leaves and
 * component kubeconfigs, see spec.certificates.leafCertificates): the cluster's key type and
 * leaf validity, so they match what nkd would have made.
 */
function certificateSettings(c: ClusterConfig): Pick<ClusterConfiguration, 'encryptionAlgorithm' | 'certificateValidityPeriod'> {
  const keyType = c.spec.certificates.keyType ?? defaultKeyType(c.spec.kubernetes.version);
  return {
    encryptionAlgorithm: keyType === 'ecdsa-p256' ? 'ECDSA-P256' : 'RSA-2048',
    certificateValidityPeriod: `${c.spec.certificates.leafValidityDays * 24}h0m0s`,
  };
}

/** Serializes kubeadm documents as one multi-document YAML file (typed data, never a template). */
export function kubeadmYaml(docs: KubeadmDocument[]): string {
  return docs.map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true, quotingType: '"' })).join('---\n');
}
