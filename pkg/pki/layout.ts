import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { parseVersion } from '../config/versions.js';
import { formatIPv4, nthAddress, parseCidr } from '../config/net.js';
import { usageError } from '../ui/errors.js';
import type { CertSpec } from './certs.js';
import { serverUrl } from './kubeconfig.js';
import { CLUSTER_PATHS } from '../cluster-dir.js';

/** The three CAs of a kubeadm cluster. */
export type CaId = 'kubernetes' | 'etcd' | 'frontProxy';

/** Where a certificate/key pair lives: in the cluster directory and on the host. */
export interface PkiPaths {
  /** Cluster-directory path without extension, e.g. "pki/nodes/master-1/apiserver". */
  path: string;
  /** Host path without extension, e.g. "/etc/kubernetes/pki/apiserver". */
  hostPath: string;
}

/** One CA. */
export interface CaPlan extends PkiPaths {
  id: CaId;
  spec: CertSpec;
}

/** One leaf certificate: its CA, its spec, and the control-plane node it belongs to (if any). */
export interface LeafPlan extends PkiPaths {
  ca: CaId;
  spec: CertSpec;
  /** Set for per-node certificates (their SANs name the node). */
  node?: string;
}

/** One kubeconfig with an embedded client certificate signed by the cluster CA. */
export interface KubeconfigPlan {
  /** Cluster-directory path, e.g. "auth/admin.conf". */
  path: string;
  /** Host path, e.g. "/etc/kubernetes/admin.conf". */
  hostPath: string;
  userName: string;
  spec: CertSpec;
  server: string;
  /** Control-plane nodes whose host gets this file. */
  nodes: string[];
}

const PKI = '/etc/kubernetes/pki';

/** The control-plane nodes, in file order (the first runs kubeadm init). */
export function controlPlaneNodes(c: ClusterConfig): ClusterNode[] {
  return c.spec.nodes.filter((n) => n.role === 'control-plane');
}

/** The node's IP; control-plane certificates need it, so its absence is a usage error. */
function controlPlaneIp(c: ClusterConfig, node: ClusterNode): string {
  if (node.ip) return node.ip;
  const i = c.spec.nodes.indexOf(node);
  throw usageError(
    `spec.nodes[${i}].ip: required for control-plane node ${node.name}`,
    'give every control-plane node a static ip: its API server and etcd certificates carry it',
  );
}

/** The API server's service IP: the first address of the service subnet. */
export function serviceIp(c: ClusterConfig): string {
  const net = parseCidr(c.spec.kubernetes.networking.serviceSubnet);
  if (typeof net === 'string') throw usageError(`spec.kubernetes.networking.serviceSubnet: ${net}`);
  return formatIPv4(nthAddress(net, 1));
}

/** True for Kubernetes versions that split admin.conf from super-admin.conf (>= 1.29). */
function hasSuperAdmin(c: ClusterConfig): boolean {
  const v = parseVersion(c.spec.kubernetes.version);
  return !v || v.major > 1 || v.minor >= 29;
}

const isIp = (h: string): boolean => /^[0-9.]+$/.test(h) || h.includes(':');
const uniq = (xs: string[]): string[] => [...new Set(xs)];

/** The CAs: kubernetes (ca), etcd (etcd/ca), front-proxy (front-proxy-ca). */
export function caPlans(c: ClusterConfig): CaPlan[] {
  const days = c.spec.certificates.caValidityDays;
  const ca = (id: CaId, path: string, commonName: string): CaPlan => ({
    id,
    path: `${CLUSTER_PATHS.pki}/${path}`,
    hostPath: `${PKI}/${path}`,
    spec: { commonName, usage: 'ca', validityDays: days },
  });
  return [ca('kubernetes', 'ca', 'kubernetes'), ca('etcd', 'etcd/ca', 'etcd-ca'), ca('frontProxy', 'front-proxy-ca', 'front-proxy-ca')];
}

/**
 * True when nkd makes the leaf certificates and component kubeconfigs at render
 * (spec.certificates.leafCertificates: nkd); by default kubeadm makes them on each node.
 */
function rendersLeaves(c: ClusterConfig): boolean {
  return c.spec.certificates.leafCertificates === 'nkd';
}

/**
 * Leaf certificates nkd makes: those shared by every control-plane node, then each node's own;
 * none when kubeadm makes them on the nodes (the default).
 */
export function leafPlans(c: ClusterConfig): LeafPlan[] {
  // Either way a control-plane node needs its ip (its certificates carry it): say so at render.
  const cps = controlPlaneNodes(c).map((n) => ({ n, ip: controlPlaneIp(c, n) }));
  if (!rendersLeaves(c)) return [];
  const days = c.spec.certificates.leafValidityDays;
  const admins = hasSuperAdmin(c) ? 'kubeadm:cluster-admins' : 'system:masters';
  const shared = (path: string, ca: CaId, spec: Omit<CertSpec, 'validityDays'>): LeafPlan => ({
    path: `${CLUSTER_PATHS.pki}/${path}`,
    hostPath: `${PKI}/${path}`,
    ca,
    spec: { ...spec, validityDays: days },
  });
  const plans: LeafPlan[] = [
    shared('apiserver-kubelet-client', 'kubernetes', { commonName: 'kube-apiserver-kubelet-client', organizations: [admins], usage: 'client' }),
    shared('apiserver-etcd-client', 'etcd', { commonName: 'kube-apiserver-etcd-client', usage: 'client' }),
    shared('front-proxy-client', 'frontProxy', { commonName: 'front-proxy-client', usage: 'client' }),
    shared('etcd/healthcheck-client', 'etcd', { commonName: 'kube-etcd-healthcheck-client', usage: 'client' }),
  ];
  const k = c.spec.kubernetes;
  const endpoint = k.controlPlaneEndpoint.host;
  for (const { n, ip } of cps) {
    const own = (path: string, ca: CaId, spec: Omit<CertSpec, 'validityDays'>): LeafPlan => ({
      path: `${CLUSTER_PATHS.pki}/nodes/${n.name}/${path}`,
      hostPath: `${PKI}/${path}`,
      ca,
      node: n.name,
      spec: { ...spec, validityDays: days },
    });
    const svc = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${k.networking.dnsDomain}`];
    plans.push(
      own('apiserver', 'kubernetes', {
        commonName: 'kube-apiserver',
        usage: 'server',
        dnsNames: uniq([n.name, ...svc, ...(isIp(endpoint) ? [] : [endpoint])]),
        ips: uniq([serviceIp(c), ip, ...(isIp(endpoint) ? [endpoint] : [])]),
      }),
      own('etcd/server', 'etcd', { commonName: n.name, usage: 'peer', dnsNames: [n.name, 'localhost'], ips: uniq([ip, '127.0.0.1', '::1']) }),
      own('etcd/peer', 'etcd', { commonName: n.name, usage: 'peer', dnsNames: [n.name, 'localhost'], ips: uniq([ip, '127.0.0.1', '::1']) }),
    );
  }
  return plans;
}

/**
 * True when kubelet.conf on a control-plane node points at its own API server
 * (kubeadm's ControlPlaneKubeletLocalMode, on by default from 1.33).
 */
function kubeletLocalMode(c: ClusterConfig): boolean {
  const v = parseVersion(c.spec.kubernetes.version);
  return !v || v.major > 1 || v.minor >= 33;
}

/**
 * Kubeconfigs: admin and, for >= 1.29, super-admin, which nkd needs before any node boots.
 * By default they stay in the cluster directory: kubeadm writes each node's own from the CA,
 * so no admin credential travels in a node's config. With leafCertificates: nkd they go onto
 * the hosts (admin.conf every control-plane node, super-admin.conf the first), with per-node
 * controller-manager, scheduler (local API server) and kubelet kubeconfigs.
 */
export function kubeconfigPlans(c: ClusterConfig): KubeconfigPlan[] {
  const k = c.spec.kubernetes;
  const days = c.spec.certificates.leafValidityDays;
  const endpoint = serverUrl(k.controlPlaneEndpoint.host, k.controlPlaneEndpoint.port);
  const cps = controlPlaneNodes(c);
  const placed = rendersLeaves(c);
  const all = placed ? cps.map((n) => n.name) : [];
  const plans: KubeconfigPlan[] = [];
  const admins = hasSuperAdmin(c) ? 'kubeadm:cluster-admins' : 'system:masters';
  plans.push({
    path: CLUSTER_PATHS.adminKubeconfig,
    hostPath: '/etc/kubernetes/admin.conf',
    userName: 'kubernetes-admin',
    spec: { commonName: 'kubernetes-admin', organizations: [admins], usage: 'client', validityDays: days },
    server: endpoint,
    nodes: all,
  });
  if (hasSuperAdmin(c)) {
    plans.push({
      path: CLUSTER_PATHS.superAdminKubeconfig,
      hostPath: '/etc/kubernetes/super-admin.conf',
      userName: 'kubernetes-super-admin',
      spec: { commonName: 'kubernetes-super-admin', organizations: ['system:masters'], usage: 'client', validityDays: days },
      server: endpoint,
      nodes: placed ? cps.slice(0, 1).map((n) => n.name) : [],
    });
  }
  for (const [i, n] of (placed ? cps : []).entries()) {
    const local = serverUrl(controlPlaneIp(c, n), k.controlPlaneEndpoint.port);
    const own = (file: string, userName: string, spec: Omit<CertSpec, 'validityDays' | 'usage'>, server: string, nodes: string[]): KubeconfigPlan => ({
      path: `${CLUSTER_PATHS.auth}/nodes/${n.name}/${file}`,
      hostPath: `/etc/kubernetes/${file}`,
      userName,
      spec: { ...spec, usage: 'client', validityDays: days },
      server,
      nodes,
    });
    plans.push(
      own('controller-manager.conf', 'system:kube-controller-manager', { commonName: 'system:kube-controller-manager' }, local, [n.name]),
      own('scheduler.conf', 'system:kube-scheduler', { commonName: 'system:kube-scheduler' }, local, [n.name]),
      // Only the init node gets kubelet.conf on the host: `kubeadm join` refuses to run when
      // it exists (its kubelet TLS-bootstraps instead); the file is still rendered for each.
      own('kubelet.conf', `system:node:${n.name}`, { commonName: `system:node:${n.name}`, organizations: ['system:nodes'] },
        kubeletLocalMode(c) ? local : endpoint, i === 0 ? [n.name] : []),
    );
  }
  return plans;
}
