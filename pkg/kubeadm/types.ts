/** kubeadm's API types, the subset nkd writes (field names as in kubeadm's Go structs). */

/** One kubeadm argument (v1beta4 lists them; v1beta3 uses a map). */
export interface Arg {
  name: string;
  value: string;
}

/** Taint in nodeRegistration. */
export interface KubeadmTaint {
  key: string;
  value?: string;
  effect: string;
}

/** NodeRegistrationOptions. */
export interface NodeRegistration {
  name: string;
  criSocket: string;
  taints: KubeadmTaint[];
  kubeletExtraArgs: Record<string, string> | Arg[];
  /** Preflight checks whose errors kubeadm reports as warnings. */
  ignorePreflightErrors?: string[];
}

/** APIEndpoint. */
export interface ApiEndpoint {
  advertiseAddress: string;
  bindPort: number;
}

/** bootstraptoken/v1 BootstrapToken. */
export interface BootstrapTokenSpec {
  token: string;
  description: string;
  ttl: string;
  usages: string[];
  groups: string[];
}

/** InitConfiguration. */
export interface InitConfiguration {
  apiVersion: string;
  kind: 'InitConfiguration';
  bootstrapTokens: BootstrapTokenSpec[];
  nodeRegistration: NodeRegistration;
  localAPIEndpoint: ApiEndpoint;
}

/** ClusterConfiguration. */
export interface ClusterConfiguration {
  apiVersion: string;
  kind: 'ClusterConfiguration';
  clusterName: string;
  kubernetesVersion: string;
  controlPlaneEndpoint: string;
  imageRepository: string;
  certificatesDir: string;
  /** v1beta4: key algorithm of the keys kubeadm makes ("ECDSA-P256", "RSA-2048"). */
  encryptionAlgorithm?: string;
  /** v1beta4: validity of the leaf certificates kubeadm makes, a Go duration ("8760h0m0s"). */
  certificateValidityPeriod?: string;
  networking: { serviceSubnet: string; podSubnet: string; dnsDomain: string };
  etcd: { local: { dataDir: string } };
}

/** JoinConfiguration. */
export interface JoinConfiguration {
  apiVersion: string;
  kind: 'JoinConfiguration';
  discovery: { bootstrapToken: { apiServerEndpoint: string; token: string; caCertHashes: string[] } };
  nodeRegistration: NodeRegistration;
  controlPlane?: { localAPIEndpoint: ApiEndpoint };
}

/** kubelet.config.k8s.io/v1beta1 KubeletConfiguration (subset). */
export interface KubeletConfiguration {
  apiVersion: 'kubelet.config.k8s.io/v1beta1';
  kind: 'KubeletConfiguration';
  cgroupDriver: 'systemd';
  /** false lets kubelet 1.35+ start on a cgroup v1 host (field since 1.31). */
  failCgroupV1?: boolean;
}

/** kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration (subset). */
export interface KubeProxyConfiguration {
  apiVersion: 'kubeproxy.config.k8s.io/v1alpha1';
  kind: 'KubeProxyConfiguration';
  clusterCIDR: string;
  conntrack?: { maxPerCore: number };
}

/** Any document of a kubeadm config file. */
export type KubeadmDocument = InitConfiguration | ClusterConfiguration | JoinConfiguration | KubeletConfiguration | KubeProxyConfiguration;
