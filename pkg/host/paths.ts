/** Where nkd puts things on a node; the units, scripts and docs/ignition.md agree on these. */
export const HOST = {
  /** The node's kubeadm config (0600). */
  kubeadmConfig: '/etc/nkd/kubeadm.yaml',
  /** Pre-hook scripts, run in name order. */
  hooksDir: '/etc/nkd/hooks',
  /** First-boot state: success markers and attempt counters. */
  stateDir: '/var/lib/nkd',
  pivotMarker: '/var/lib/nkd/pivot.done',
  pivotAttempts: '/var/lib/nkd/pivot.attempts',
  prehooksMarker: '/var/lib/nkd/prehooks.done',
  kubeadmMarker: '/var/lib/nkd/kubeadm.done',
  kubeadmAttempts: '/var/lib/nkd/kubeadm.attempts',
  /** A copy of /etc/kubernetes as Ignition placed it, kept until kubeadm succeeded (0700). */
  kubeadmPlaced: '/var/lib/nkd/placed',
  pivotScript: '/usr/local/bin/nkd-pivot',
  prehooksScript: '/usr/local/bin/nkd-prehooks',
  kubeadmScript: '/usr/local/bin/nkd-kubeadm',
  checkApiserverScript: '/usr/local/bin/nkd-check-apiserver',
  kubeletSysconfig: '/etc/sysconfig/kubelet',
  kubeVipManifest: '/etc/kubernetes/manifests/kube-vip.yaml',
  keepalivedConf: '/etc/keepalived/keepalived.conf',
  networkKeyfile: '/etc/NetworkManager/system-connections/nkd-static.nmconnection',
  /** The SSH host key nkd made and pins (platforms with sshHostKeys; 0600, its .pub 0644). */
  sshHostKey: '/etc/ssh/ssh_host_ed25519_key',
} as const;
