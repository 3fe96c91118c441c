import { contains, formatIPv4, nthAddress, overlaps, parseCidr, parseIPv4, size, type Cidr } from './net.js';
import type { Problems } from './problems.js';
import type { ClusterConfig } from './types.gen.js';
import { platformNamed } from '../infra/registry.js';

/** Where an address sits in the node network, when that is wrong for a host: outside, or its network/broadcast address. */
export function misplacedIn(net: Cidr, ip: number): 'outside' | 'reserved' | undefined {
  if (!contains(net, ip)) return 'outside';
  if (ip === net.base || ip === nthAddress(net, size(net) - 1)) return 'reserved';
  return undefined;
}

/**
 * Parses and cross-checks the cluster networks — service, pod and node network (spec.network):
 * sizes, overlaps, the gateway, the DNS servers, every node ip and the VLAN's parent NIC.
 * Returns the node network when spec.network gives a valid one.
 */
export function checkNetworks(c: ClusterConfig, p: Problems): Cidr | undefined {
  const net = c.spec.kubernetes.networking;
  const parsed = (path: string, text: string): Cidr | undefined => {
    const r = parseCidr(text);
    if (typeof r === 'string') {
      p.error(path, `invalid value "${text}": ${r}`);
      return undefined;
    }
    return r;
  };
  const svc = parsed('spec.kubernetes.networking.serviceSubnet', net.serviceSubnet);
  const pod = parsed('spec.kubernetes.networking.podSubnet', net.podSubnet);
  const nodeNet = c.spec.network ? parsed('spec.network.cidr', c.spec.network.cidr) : undefined;
  if (svc && svc.prefix < 12) p.error('spec.kubernetes.networking.serviceSubnet', `invalid value "${svc.text}": larger than a /12 (kube-apiserver allows at most 2^20 service addresses)`, 'use a /12 or smaller, e.g. 10.96.0.0/12');
  if (svc && svc.prefix > 28) p.error('spec.kubernetes.networking.serviceSubnet', `invalid value "${svc.text}": too small for the cluster's services`, 'use a /24 or larger');
  if (svc && pod && overlaps(svc, pod)) p.error('spec.kubernetes.networking.serviceSubnet', `invalid value "${svc.text}": overlaps spec.kubernetes.networking.podSubnet "${pod.text}"`, 'choose two disjoint networks, e.g. 10.96.0.0/12 and 10.244.0.0/16');
  if (pod) {
    const perNode = pod.prefix <= 24 ? 2 ** (24 - pod.prefix) : 0;
    if (perNode < c.spec.nodes.length) {
      p.error('spec.kubernetes.networking.podSubnet', `invalid value "${pod.text}": holds ${perNode} node /24 ranges for ${c.spec.nodes.length} nodes`, 'use a larger pod network, e.g. 10.244.0.0/16');
    }
  }
  for (const [name, other] of [['serviceSubnet', svc], ['podSubnet', pod]] as const) {
    if (nodeNet && other && overlaps(nodeNet, other)) {
      p.error(`spec.kubernetes.networking.${name}`, `invalid value "${other.text}": overlaps the node network spec.network.cidr "${nodeNet.text}"`, 'choose a network the nodes do not use');
    }
  }
  if (nodeNet && nodeNet.prefix > 29) p.error('spec.network.cidr', `invalid value "${nodeNet.text}": too small for a cluster`, 'use a /24, for example');
  const gateway = nodeNet ? checkGateway(c, p, nodeNet) : undefined;
  checkDnsServers(c, p, nodeNet);
  c.spec.nodes.forEach((n, i) => {
    if (!n.ip) return;
    const ip = parseIPv4(n.ip);
    if (ip === undefined) return; // the schema reported it
    const path = `spec.nodes[${i}].ip`;
    const where = nodeNet && misplacedIn(nodeNet, ip);
    if (nodeNet && where === 'outside') p.error(path, `invalid value "${n.ip}": outside the node network spec.network.cidr "${nodeNet.text}"`, `use an address in ${nodeNet.text}`);
    else if (nodeNet && where === 'reserved') p.error(path, `invalid value "${n.ip}": the network or broadcast address of ${nodeNet.text}`, 'use a host address');
    else if (gateway !== undefined && ip === gateway) p.error(path, `invalid value "${n.ip}": the gateway's address`, 'use another host address');
    for (const [name, other] of [['serviceSubnet', svc], ['podSubnet', pod]] as const) {
      if (other && contains(other, ip)) p.error(path, `invalid value "${n.ip}": inside spec.kubernetes.networking.${name} "${other.text}"`, 'node addresses must be outside the service and pod networks');
    }
  });
  checkNetworkPresent(c, p);
  checkBinding(c, p);
  return nodeNet;
}

/** The gateway lies in the node network and is a host address; returns it when valid. */
function checkGateway(c: ClusterConfig, p: Problems, nodeNet: Cidr): number | undefined {
  const text = c.spec.network?.gateway;
  const gw = text === undefined ? undefined : parseIPv4(text);
  if (text === undefined || gw === undefined) return undefined; // the schema reported it
  const where = misplacedIn(nodeNet, gw);
  const example = formatIPv4(nthAddress(nodeNet, 1));
  if (where === 'outside') p.error('spec.network.gateway', `invalid value "${text}": outside spec.network.cidr "${nodeNet.text}"`, `use an address in ${nodeNet.text}, e.g. ${example}`);
  else if (where === 'reserved') p.error('spec.network.gateway', `invalid value "${text}": the network or broadcast address of ${nodeNet.text}`, `use the router's host address, e.g. ${example}`);
  return where ? undefined : gw;
}

/** DNS servers a host can query, each once; more than glibc and the kubelet use is worth a warning. */
function checkDnsServers(c: ClusterConfig, p: Problems, nodeNet: Cidr | undefined): void {
  const servers = c.spec.network?.dnsServers ?? [];
  const seen = new Map<string, number>();
  servers.forEach((text, i) => {
    const path = `spec.network.dnsServers[${i}]`;
    const ip = parseIPv4(text);
    if (ip === undefined) return; // the schema reported it
    const first = seen.get(text);
    if (first !== undefined) p.error(path, `duplicate DNS server "${text}": dnsServers[${first}] is the same`, 'list each server once');
    else seen.set(text, i);
    const top = ip >>> 24;
    if (top === 0 || ip === 0xffffffff || (top >= 224 && top <= 239)) {
      p.error(path, `invalid value "${text}": ${top === 0 ? 'an unspecified' : top >= 224 && top <= 239 ? 'a multicast' : 'the broadcast'} address, not a DNS server`, 'use the address of a DNS server the nodes reach');
    } else if (top === 127) {
      p.warn(path, `"${text}" is a loopback address: CoreDNS forwards to the node's resolv.conf and would query itself`, 'use the address of a DNS server on the network');
    } else if (nodeNet && misplacedIn(nodeNet, ip) === 'reserved') {
      p.error(path, `invalid value "${text}": the network or broadcast address of ${nodeNet.text}`, 'use the address of a DNS server the nodes reach');
    }
  });
  if (servers.length > 3) {
    p.warn('spec.network.dnsServers', `${servers.length} servers: the hosts' resolver and the kubelet use only the first 3`, 'list at most 3');
  }
}

/** A platform without a DHCP nkd controls (bare metal): nodes with an ip need spec.network to get their address. */
function checkNetworkPresent(c: ClusterConfig, p: Problems): void {
  if (c.spec.network || !platformNamed(c.spec.platform).nodeNetwork?.requiredForStaticIps) return;
  const i = c.spec.nodes.findIndex((n) => n.ip);
  if (i < 0) return;
  p.error('spec.network', `required field is missing: spec.nodes[${i}].ip and the other static addresses are configured on the hosts from spec.network; without it they would boot with DHCP`,
    'add spec.network with the node network\'s cidr (gateway and dnsServers default to its first address)');
}

/**
 * The profile binds to a node's mac, else to spec.network.interface: an interface no node uses
 * is worth a warning, and a VLAN needs its parent NIC, one or the other.
 */
function checkBinding(c: ClusterConfig, p: Problems): void {
  const n = c.spec.network;
  if (n?.interface !== undefined && c.spec.nodes.every((x) => !x.ip || x.mac)) {
    p.warn('spec.network.interface', `unused: every node with an ip has a mac, and its profile binds to that NIC${n.vlan === undefined ? '' : ' (the VLAN\'s parent)'}`, 'remove interface (a node\'s profile follows its mac)');
  }
  if (n?.vlan === undefined) return;
  if (n.interface === undefined) {
    const orphans = c.spec.nodes.filter((x) => x.ip && !x.mac).map((x) => x.name);
    if (orphans.length) {
      p.error('spec.network.vlan', `no parent NIC for the VLAN on ${orphans.slice(0, 3).join(', ')}${orphans.length > 3 ? ` and ${orphans.length - 3} more` : ''}: no mac, and spec.network.interface is not set`,
        'set spec.network.interface to the NIC that carries the VLAN (e.g. enp1s0), or give those nodes their mac');
    }
  }
  const vip = c.spec.kubernetes.controlPlaneEndpoint.vip;
  if (vip.enabled && vip.interface !== `vlan${n.vlan}`) {
    p.warn('spec.kubernetes.controlPlaneEndpoint.vip.interface', `"${vip.interface}", but the node addresses are on the VLAN device vlan${n.vlan}`, `set vip.interface: vlan${n.vlan}`);
  }
}
