/**
 * The Neutron (networking v2.0) calls nkd makes. Tags are set after creation with
 * `PUT /v2.0/{resource}/{id}/tags` (Neutron before 2023.2 takes no tags in a create body); a
 * resource created but not yet tagged is still found by its deterministic name and the
 * journal's "creating" entry.
 */
import type { OpenStackApi } from './api.js';

/** A Neutron resource as nkd reads it. */
export interface NeutronResource {
  id: string;
  name: string;
  tags?: string[];
  description?: string;
}
/** A network. */
export interface Network extends NeutronResource { 'router:external'?: boolean; subnets?: string[]; status?: string }
/** A subnet. */
export interface Subnet extends NeutronResource { cidr: string; network_id: string; gateway_ip?: string | null }
/** A port. */
export interface Port extends NeutronResource { network_id: string; fixed_ips: Array<{ subnet_id: string; ip_address: string }>; device_id?: string; device_owner?: string; status?: string }
/** A router. */
export interface Router extends NeutronResource { external_gateway_info?: { network_id: string } | null }
/** A security group with its rules. */
export interface SecurityGroup extends NeutronResource { security_group_rules?: SecurityGroupRule[] }
/** A security-group rule. */
export interface SecurityGroupRule {
  id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}
/** A floating IP (no name: nkd puts its name in the description). */
export interface FloatingIp { id: string; floating_ip_address: string; port_id: string | null; fixed_ip_address: string | null; status: string; description?: string; tags?: string[] }

/** The collection path and body key of each resource type. */
export const NEUTRON = {
  network: { path: 'networks', one: 'network' },
  subnet: { path: 'subnets', one: 'subnet' },
  router: { path: 'routers', one: 'router' },
  port: { path: 'ports', one: 'port' },
  'security-group': { path: 'security-groups', one: 'security_group' },
  'floating-ip': { path: 'floatingips', one: 'floatingip' },
} as const;
/** A Neutron resource type nkd manages. */
export type NeutronKind = keyof typeof NEUTRON;

/** A query string; an array value repeats the key (Neutron ORs repeated filters). */
const q = (params: Record<string, string | string[]>): string => new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]))).toString();

/** Lists a resource type with filters (`?name=`, `?tags=`, `?network_id=`...). */
export async function neutronList<T>(api: OpenStackApi, kind: NeutronKind, filter: Record<string, string | string[]>): Promise<T[]> {
  const { path } = NEUTRON[kind];
  const body = await api.get<Record<string, T[]>>('network', `/v2.0/${path}?${q(filter)}`, `list ${path}`);
  return body[path.replace(/-/g, '_')] ?? [];
}

/** Creates a resource and tags it; returns it. */
export async function neutronCreate<T extends { id: string }>(api: OpenStackApi, kind: NeutronKind, name: string, body: Record<string, unknown>, tag: string): Promise<T> {
  const { path, one } = NEUTRON[kind];
  const made = await api.post<Record<string, T>>('network', `/v2.0/${path}`, `create ${kind} ${name}`, { [one]: body });
  const r = made[one]!;
  await neutronTag(api, kind, r.id, name, tag);
  return r;
}

/** Adds the cluster tag to a resource (idempotent). */
export async function neutronTag(api: OpenStackApi, kind: NeutronKind, id: string, name: string, tag: string): Promise<void> {
  await api.put('network', `/v2.0/${NEUTRON[kind].path}/${id}/tags/${encodeURIComponent(tag)}`, `tag ${kind} ${name}`);
}

/** Reads one resource; undefined when gone. */
export async function neutronGet<T>(api: OpenStackApi, kind: NeutronKind, id: string, name: string): Promise<T | undefined> {
  const { path, one } = NEUTRON[kind];
  return (await api.find<Record<string, T>>('network', `/v2.0/${path}/${id}`, `read ${kind} ${name}`))?.[one];
}

/** Deletes one resource (409s retried: a port still bound, a subnet still in use). */
export function neutronDelete(api: OpenStackApi, kind: NeutronKind, id: string, name: string): Promise<boolean> {
  return api.delete('network', `/v2.0/${NEUTRON[kind].path}/${id}`, `delete ${kind} ${name}`);
}

/** Adds the subnet to the router (one interface port), unless the router already has one on it. */
export async function addRouterInterface(api: OpenStackApi, routerId: string, subnetId: string, what: string): Promise<void> {
  const ports = await neutronList<Port>(api, 'port', { device_id: routerId });
  if (ports.some((p) => p.fixed_ips.some((f) => f.subnet_id === subnetId))) return;
  await api.put('network', `/v2.0/routers/${routerId}/add_router_interface`, `add ${what}`, { subnet_id: subnetId });
}

/** Removes the subnet's interface from the router; false when there was none. */
export async function removeRouterInterface(api: OpenStackApi, routerId: string, subnetId: string, what: string): Promise<boolean> {
  const r = await api.call('network', 'PUT', `/v2.0/routers/${routerId}/remove_router_interface`, `remove ${what}`, { subnet_id: subnetId }, { ok: [404], retry409: true });
  return r.status !== 404;
}

/** Clears a router's external gateway (before deleting it). */
export async function clearRouterGateway(api: OpenStackApi, routerId: string, name: string): Promise<void> {
  await api.call('network', 'PUT', `/v2.0/routers/${routerId}`, `clear the gateway of router ${name}`, { router: { external_gateway_info: {} } }, { ok: [404], retry409: true });
}

/** A rule as Neutron takes it, from a group's rule and the ids of the cluster's groups. */
export function ruleBody(groupId: string, rule: { protocol: string; ports?: [number, number]; from: { group: string } | { cidr: string }; why: string }, groupIds: Record<string, string>): Record<string, unknown> {
  return {
    security_group_id: groupId, direction: 'ingress', ethertype: 'IPv4', protocol: rule.protocol,
    ...(rule.ports ? { port_range_min: rule.ports[0], port_range_max: rule.ports[1] } : {}),
    ...('group' in rule.from ? { remote_group_id: groupIds[rule.from.group] } : { remote_ip_prefix: rule.from.cidr }),
    description: rule.why,
  };
}

/** True when a live rule is the rule `body` describes (protocol, ports, source). */
export function sameRule(live: SecurityGroupRule, body: Record<string, unknown>): boolean {
  return live.direction === 'ingress' && live.ethertype === 'IPv4' && live.protocol === body.protocol
    && (live.port_range_min ?? undefined) === body.port_range_min && (live.port_range_max ?? undefined) === body.port_range_max
    && (live.remote_group_id ?? undefined) === body.remote_group_id && (live.remote_ip_prefix ?? undefined) === body.remote_ip_prefix;
}
