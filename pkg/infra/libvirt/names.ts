import { createHash } from 'node:crypto';
import { resourcePrefix } from '../tag.js';

/** Names of a cluster's libvirt resources; all carry the `<cluster>-` prefix (the tag). */
export const names = {
  /** The domain of a node. */
  domain: (clusterId: string, node: string): string => `${resourcePrefix(clusterId)}${node}`,
  /** The root-disk overlay volume of a node. */
  disk: (clusterId: string, node: string): string => `${resourcePrefix(clusterId)}${node}.qcow2`,
  /** The volume holding a node's Ignition config (read by QEMU through fw_cfg). */
  ignition: (clusterId: string, node: string): string => `${resourcePrefix(clusterId)}${node}.ign`,
  /** The base volume uploaded once from the OS image. */
  base: (clusterId: string, format: 'qcow2' | 'raw'): string => `${resourcePrefix(clusterId)}base.${format}`,
};

/** A stable locally administered MAC (52:54:00:xx:xx:xx, QEMU's prefix) for a node without one. */
export function derivedMac(clusterId: string, node: string): string {
  const h = createHash('sha256').update(`${clusterId}/${node}`).digest();
  return ['52', '54', '00', ...[h[0], h[1], h[2]].map((b) => (b ?? 0).toString(16).padStart(2, '0'))].join(':');
}

/** An IPv4 network: address, prefix and helpers. */
export interface Ipv4Net {
  base: number;
  prefix: number;
}

/** Parses "10.231.0.0/24". */
export function parseCidr(cidr: string): Ipv4Net {
  const [addr, len] = cidr.split('/');
  const prefix = Number(len);
  const base = ipToInt(addr ?? '');
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30 || Number.isNaN(base)) throw new Error(`not an IPv4 CIDR between /8 and /30: ${cidr}`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, prefix };
}

/** "a.b.c.d" → integer (NaN when invalid). */
export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return NaN;
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

/** Integer → "a.b.c.d". */
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** The dotted netmask of a prefix length. */
export function netmask(prefix: number): string {
  return intToIp((0xffffffff << (32 - prefix)) >>> 0);
}

/** True when `ip` lies in `net`. */
export function inNet(ip: string, net: Ipv4Net): boolean {
  const n = ipToInt(ip);
  const mask = (0xffffffff << (32 - net.prefix)) >>> 0;
  return !Number.isNaN(n) && ((n & mask) >>> 0) === net.base;
}

/** The DHCP range for nodes without a fixed IP: the top quarter of the network. */
export function dhcpRange(net: Ipv4Net): { start: string; end: string } {
  const size = 2 ** (32 - net.prefix);
  return { start: intToIp(net.base + Math.floor((size * 3) / 4)), end: intToIp(net.base + size - 2) };
}
