/**
 * Quota arithmetic: what a plan needs from the project (servers, cores and RAM from the
 * flavors, ports, security groups and rules, floating IPs, networks) against what its quotas
 * leave free. Every shortfall is named with the numbers and the fix. Pure.
 */
import type { QuotaLine } from './nova.js';

/** What the resources to create need. */
export interface QuotaNeed {
  instances: number;
  cores: number;
  ramMiB: number;
  serverGroups: number;
  ports: number;
  securityGroups: number;
  securityGroupRules: number;
  floatingIps: number;
  networks: number;
  subnets: number;
  routers: number;
}

/** A zero need. */
export const NO_NEED: QuotaNeed = { instances: 0, cores: 0, ramMiB: 0, serverGroups: 0, ports: 0, securityGroups: 0, securityGroupRules: 0, floatingIps: 0, networks: 0, subnets: 0, routers: 0 };

/** Each need: the service's quota key, how messages call it, and the `openstack quota set` flag. */
const LINES: Array<{ need: keyof QuotaNeed; service: 'compute' | 'network'; key: string; what: string; flag: string }> = [
  { need: 'instances', service: 'compute', key: 'instances', what: 'servers', flag: '--instances' },
  { need: 'cores', service: 'compute', key: 'cores', what: 'vCPUs', flag: '--cores' },
  { need: 'ramMiB', service: 'compute', key: 'ram', what: 'MiB of RAM', flag: '--ram' },
  { need: 'serverGroups', service: 'compute', key: 'server_groups', what: 'server groups', flag: '--server-groups' },
  { need: 'ports', service: 'network', key: 'port', what: 'ports', flag: '--ports' },
  { need: 'securityGroups', service: 'network', key: 'security_group', what: 'security groups', flag: '--secgroups' },
  { need: 'securityGroupRules', service: 'network', key: 'security_group_rule', what: 'security group rules', flag: '--secgroup-rules' },
  { need: 'floatingIps', service: 'network', key: 'floatingip', what: 'floating IPs', flag: '--floating-ips' },
  { need: 'networks', service: 'network', key: 'network', what: 'networks', flag: '--networks' },
  { need: 'subnets', service: 'network', key: 'subnet', what: 'subnets', flag: '--subnets' },
  { need: 'routers', service: 'network', key: 'router', what: 'routers', flag: '--routers' },
];

/** One quota line as both services report it (Neutron's `used`, Nova's `in_use`). */
export type AnyQuotaLine = QuotaLine | { limit: number; used: number; reserved?: number };

const inUse = (l: AnyQuotaLine): number => ('in_use' in l ? l.in_use : l.used) + (l.reserved ?? 0);

/**
 * The shortfalls of `need` against the project's quotas (a limit of -1 is unlimited; a quota
 * the cloud does not report is not checked), each a full sentence with the fix.
 */
export function quotaShortfalls(need: QuotaNeed, quotas: { compute: Record<string, AnyQuotaLine>; network: Record<string, AnyQuotaLine> }, project: string): string[] {
  const out: string[] = [];
  for (const l of LINES) {
    const want = need[l.need];
    const q = quotas[l.service][l.key];
    if (want <= 0 || !q || q.limit < 0) continue;
    const free = Math.max(0, q.limit - inUse(q));
    if (want > free) {
      out.push(`${l.what}: the plan needs ${want}, the project has ${free} free (quota ${q.limit}, ${inUse(q)} in use); free some, or raise the quota (openstack quota set ${l.flag} ${inUse(q) + want} ${project})`);
    }
  }
  return out;
}

/** What creating `kinds` (one entry per resource) needs; servers count their flavor, groups their rules. */
export function quotaNeed(create: Array<{ kind: string; node?: string; name: string }>, flavorOf: (node: string) => { vcpus: number; ram: number } | undefined, rulesOf: (group: string) => number): QuotaNeed {
  const need = { ...NO_NEED };
  for (const r of create) {
    switch (r.kind) {
      case 'server': {
        const f = flavorOf(r.node ?? '');
        need.instances++;
        need.cores += f?.vcpus ?? 0;
        need.ramMiB += f?.ram ?? 0;
        break;
      }
      case 'server-group': need.serverGroups++; break;
      case 'port': case 'router-interface': need.ports++; break;
      // Neutron adds two egress rules (IPv4, IPv6) to every new group.
      case 'security-group': need.securityGroups++; need.securityGroupRules += rulesOf(r.name) + 2; break;
      case 'floating-ip': need.floatingIps++; break;
      case 'network': need.networks++; break;
      case 'subnet': need.subnets++; break;
      case 'router': need.routers++; break;
    }
  }
  return need;
}
