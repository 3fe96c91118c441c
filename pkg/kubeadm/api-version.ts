import { parseVersion } from '../config/versions.js';

/** A kubeadm configuration API version. */
export type KubeadmApiVersion = 'kubeadm.k8s.io/v1beta3' | 'kubeadm.k8s.io/v1beta4';

/**
 * The kubeadm API version a Kubernetes version accepts: v1beta4 arrived in kubeadm 1.31
 * (v1beta3 is deprecated from then on and due for removal), so 1.31+ gets v1beta4.
 */
export function kubeadmApiVersion(kubernetesVersion: string): KubeadmApiVersion {
  const v = parseVersion(kubernetesVersion);
  if (v && v.major === 1 && v.minor < 31) return 'kubeadm.k8s.io/v1beta3';
  return 'kubeadm.k8s.io/v1beta4';
}
