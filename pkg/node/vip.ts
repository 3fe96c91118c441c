import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { parseVersion } from '../config/versions.js';
import { ExitCode, NkdError } from '../ui/errors.js';
import { HOST } from '../host/paths.js';
import { renderNodeTemplate } from '../host/templates.js';
import type { HostFile } from '../host/file.js';
import type { NodeExtras } from './types.js';

const IFACE = /^[A-Za-z0-9_.:-]{1,15}$/;

function checkInterface(name: string): void {
  if (!IFACE.test(name)) {
    throw new NkdError(`spec.kubernetes.controlPlaneEndpoint.vip.interface: invalid value "${name}": not a network interface name`, { code: ExitCode.Usage, hint: 'write the interface name as the hosts see it, e.g. eth0 or enp1s0' });
  }
}

/** kubeadm ≥ 1.29 gives admin.conf no rights until init is done; super-admin.conf has them. */
export function needsSuperAdmin(version: string, action: NodeExtras['kubeadmAction']): boolean {
  const v = parseVersion(version);
  return action === 'init' && !!v && (v.major > 1 || v.minor >= 29);
}

/** The kube-vip static pod (ARP mode, control-plane leader election) as a typed object. */
function kubeVipPod(config: ClusterConfig, kubeconfigHostPath: string): object {
  const ep = config.spec.kubernetes.controlPlaneEndpoint;
  checkInterface(ep.vip.interface);
  const env: Record<string, string> = {
    address: ep.host,
    cp_enable: 'true',
    cp_namespace: 'kube-system',
    port: String(ep.port),
    vip_arp: 'true',
    vip_cidr: '32',
    vip_interface: ep.vip.interface,
    vip_leaderelection: 'true',
    vip_leaseduration: '5',
    vip_leasename: 'plndr-cp-lock',
    vip_renewdeadline: '3',
    vip_retryperiod: '1',
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kube-vip', namespace: 'kube-system' },
    spec: {
      containers: [
        {
          name: 'kube-vip',
          image: ep.vip.image,
          imagePullPolicy: 'IfNotPresent',
          args: ['manager'],
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
          volumeMounts: [{ mountPath: '/etc/kubernetes/admin.conf', name: 'kubeconfig' }],
        },
      ],
      hostAliases: [{ hostnames: ['kubernetes'], ip: '127.0.0.1' }],
      hostNetwork: true,
      volumes: [{ name: 'kubeconfig', hostPath: { path: kubeconfigHostPath } }],
    },
  };
}

/** A VRRP router id (1–255) derived from the cluster name, so neighbouring clusters differ. */
function vrrpRouterId(cluster: string): number {
  return (createHash('sha256').update(cluster).digest()[0]! % 255) + 1;
}

/**
 * The VIP files of a control-plane node: the kube-vip static pod (super-admin.conf during
 * init on ≥ 1.29, switched to admin.conf afterwards by the kubeadm script) or keepalived's
 * config and health check. Empty for workers and when the VIP is off.
 */
export function vipFiles(config: ClusterConfig, node: ClusterNode, action: NodeExtras['kubeadmAction']): { files: HostFile[]; services: string[]; switchKubeVip: boolean } {
  const ep = config.spec.kubernetes.controlPlaneEndpoint;
  if (!ep.vip.enabled || node.role !== 'control-plane') return { files: [], services: [], switchKubeVip: false };
  if (ep.vip.provider === 'kube-vip') {
    const superAdmin = needsSuperAdmin(config.spec.kubernetes.version, action);
    const pod = kubeVipPod(config, superAdmin ? '/etc/kubernetes/super-admin.conf' : '/etc/kubernetes/admin.conf');
    const contents = '# Written by nkd: the API server VIP (kube-vip static pod).\n' + yaml.dump(pod, { lineWidth: -1, noRefs: true });
    return { files: [{ path: HOST.kubeVipManifest, contents, mode: 0o600 }], services: [], switchKubeVip: superAdmin };
  }
  checkInterface(ep.vip.interface);
  const cps = config.spec.nodes.filter((n) => n.role === 'control-plane');
  const index = cps.findIndex((n) => n.name === node.name);
  const peers = node.ip ? cps.filter((n) => n.name !== node.name && n.ip).map((n) => n.ip!) : [];
  const conf = renderNodeTemplate('keepalived.conf', {
    vip: ep.host,
    routerId: `nkd_${node.name.replace(/-/g, '_')}`,
    checkScript: HOST.checkApiserverScript,
    state: index === 0 ? 'MASTER' : 'BACKUP',
    interface: ep.vip.interface,
    routerNumber: vrrpRouterId(config.metadata.name),
    priority: Math.max(1, 150 - index * 10),
    unicastSrc: node.ip ?? '',
    peers,
  });
  return {
    files: [
      { path: HOST.keepalivedConf, contents: conf, mode: 0o644 },
      { path: HOST.checkApiserverScript, contents: renderNodeTemplate('nkd-check-apiserver.sh', { port: ep.port }), mode: 0o755 },
    ],
    services: ['keepalived.service'],
    switchKubeVip: false,
  };
}
