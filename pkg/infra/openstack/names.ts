/**
 * Names and tags of an OpenStack cluster's resources. Every name is deterministic
 * (`nkd-<cluster>-…`), so a re-run finds what an interrupted one left and adopts it; every
 * resource that takes tags carries {@link clusterTag}, so destroy sweeps what the journal
 * missed (server groups take no tags: they are swept by name prefix).
 */
import { securityGroupName, type GroupRole } from './security-groups.js';

/**
 * The cluster tag. Nova refuses tags with "/" or "," and both Nova and Neutron limit them to
 * 60 characters; a cluster name has at most 40, so `nkd-cluster=<name>` always fits.
 */
export const clusterTag = (cluster: string): string => `nkd-cluster=${cluster}`;

/**
 * A server's metadata naming its cluster and node. Nova allows only letters, digits and
 * "-_:. " in metadata keys, so the key is CLUSTER_TAG_KEY's domain with ":" for "/".
 */
export const serverMetadata = (cluster: string, node: string): Record<string, string> => ({
  'nkd.nestos.openeuler.org:cluster': cluster,
  'nkd.nestos.openeuler.org:node': node,
});

/** The name prefix of every resource of the cluster. */
export const namePrefix = (cluster: string): string => `nkd-${cluster}-`;

/** Resource names of one cluster. */
export const osNames = {
  network: (c: string): string => `${namePrefix(c)}network`,
  subnet: (c: string): string => `${namePrefix(c)}subnet`,
  router: (c: string): string => `${namePrefix(c)}router`,
  /** The router's interface on the subnet (a journal name; Neutron names it by its port). */
  routerInterface: (c: string): string => `${namePrefix(c)}router:${namePrefix(c)}subnet`,
  securityGroup: (c: string, role: GroupRole): string => securityGroupName(c, role),
  /** The port holding the API endpoint's VIP. */
  vipPort: (c: string): string => `${namePrefix(c)}api-vip`,
  /** The floating IP of the API endpoint (its description; floating IPs have no name). */
  vipFloatingIp: (c: string): string => `${namePrefix(c)}api-vip`,
  serverGroup: (c: string): string => `${namePrefix(c)}control-plane`,
  port: (c: string, node: string): string => `${namePrefix(c)}${node}`,
  server: (c: string, node: string): string => `${namePrefix(c)}${node}`,
  floatingIp: (c: string, node: string): string => `${namePrefix(c)}${node}`,
};

/** Journal kinds, in the order apply creates them. */
export const KINDS = ['image', 'network', 'subnet', 'router', 'router-interface', 'security-group', 'port', 'server-group', 'server', 'floating-ip'] as const;
/** A journal kind of the OpenStack provider. */
export type OsKind = (typeof KINDS)[number];

/**
 * The order destroy deletes in: servers (until gone) free their ports; floating IPs before
 * the ports they point at; router interfaces before the subnet; the router before the
 * network's subnets go; security groups once no port uses them; server groups once empty;
 * the image nkd uploaded last.
 */
export const DESTROY_ORDER: readonly OsKind[] = ['server', 'floating-ip', 'port', 'router-interface', 'router', 'subnet', 'network', 'security-group', 'server-group', 'image'];
