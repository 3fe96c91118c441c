import { createHash } from 'node:crypto';
import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { parseCidr } from '../config/net.js';
import type { IgnitionConfig } from '../ignition/types.js';
import { HOST } from '../host/paths.js';
import { renderNodeTemplate } from '../host/templates.js';
import type { HostFile } from '../host/file.js';

/** Kernel modules the kubelet and CNI plugins need, loaded at boot. */
const KUBERNETES_MODULES = ['overlay', 'br_netfilter'];

/** sysctls kubeadm's preflight checks and pod networking need. */
const KUBERNETES_SYSCTLS: Record<string, string> = {
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.ipv4.ip_forward': '1',
};

/** /etc/hostname, kernel modules and sysctls for Kubernetes. */
export function systemFiles(node: ClusterNode): HostFile[] {
  return [
    { path: '/etc/hostname', contents: `${node.name}\n`, mode: 0o644 },
    { path: '/etc/modules-load.d/nkd-kubernetes.conf', contents: `# Written by nkd: modules Kubernetes needs.\n${KUBERNETES_MODULES.join('\n')}\n`, mode: 0o644 },
    {
      path: '/etc/sysctl.d/90-nkd-kubernetes.conf',
      contents: '# Written by nkd: sysctls Kubernetes needs.\n' + Object.entries(KUBERNETES_SYSCTLS).map(([k, v]) => `${k} = ${v}\n`).join(''),
      mode: 0o644,
    },
  ];
}

/** The kernel argument that makes systemd mount the unified (v2) cgroup hierarchy. */
const CGROUP_V2_KARG = 'systemd.unified_cgroup_hierarchy=1';

/**
 * Ignition kernel arguments for the chosen cgroup hierarchy: v2 asks for the unified hierarchy
 * (Ignition applies it before the first real boot); v1 leaves the host's default alone.
 */
export function cgroupKernelArguments(version: 'v1' | 'v2'): Pick<IgnitionConfig, 'kernelArguments'> {
  if (version !== 'v2') return {};
  return { kernelArguments: { shouldExist: [CGROUP_V2_KARG], shouldNotExist: ['systemd.unified_cgroup_hierarchy=0'] } };
}

/** What a node's static profile needs from spec.network, when the cluster file has one. */
interface NodeNetworkSettings {
  prefix: number;
  gateway: string;
  dnsServers: string[];
  interface?: string;
  vlan?: number;
}

/** The node network (spec.network, on every platform): prefix length, gateway, DNS, binding. */
function nodeNetwork(config: ClusterConfig): NodeNetworkSettings | undefined {
  const net = config.spec.network;
  if (!net) return undefined;
  const cidr = parseCidr(net.cidr);
  if (typeof cidr === 'string') return undefined;
  return { prefix: cidr.prefix, gateway: net.gateway, dnsServers: net.dnsServers, interface: net.interface, vlan: net.vlan };
}

/** A stable UUID (version-5 layout) for the node's connection profile. */
function profileUuid(cluster: string, node: string): string {
  const h = createHash('sha1').update(`nkd/${cluster}/${node}/static`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * NetworkManager keyfile with the node's static address, gateway and DNS servers from
 * spec.network. It binds to the node's MAC when it has one, else to spec.network.interface
 * (else to any Ethernet device). With a VLAN it is a VLAN device vlan<id> whose parent is that
 * NIC (by MAC: the [ethernet] setting; by name: vlan.parent). None when the node has no IP or
 * the cluster file no spec.network (DHCP then).
 */
export function staticNetworkFile(config: ClusterConfig, node: ClusterNode): HostFile | undefined {
  const net = nodeNetwork(config);
  if (!node.ip || !net) return undefined;
  const mac = node.mac ?? '';
  const byName = mac ? '' : (net.interface ?? '');
  const vlan = net.vlan === undefined ? '' : String(net.vlan);
  const contents = renderNodeTemplate('static.nmconnection', {
    id: 'nkd-static',
    uuid: profileUuid(config.metadata.name, node.name),
    type: vlan ? 'vlan' : 'ethernet',
    interfaceName: vlan ? `vlan${vlan}` : byName,
    mac,
    vlan,
    vlanParent: vlan ? byName : '',
    address: `${node.ip}/${net.prefix}`,
    gateway: net.gateway,
    dns: net.dnsServers,
  });
  return { path: HOST.networkKeyfile, contents, mode: 0o600 };
}
