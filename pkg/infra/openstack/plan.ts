/**
 * The OpenStack plan as data: which resources the cluster needs (by deterministic name), and
 * one decision per resource from what lives in the cloud under that name and what the
 * journal says — create, adopt (ours, left by an interrupted run) or keep (recorded and
 * there). A resource of that name that is not the cluster's is a problem, never adopted;
 * several of one name are a problem, never a pick. Pure: the provider lists, this decides.
 */
import type { JournalEntry } from '../journal.js';
import type { PlanAction, PlanItem } from '../types.js';
import { osNames, type OsKind } from './names.js';
import type { OpenStackSettings } from './settings.js';

/** A live resource found under a wanted name. */
export interface LiveResource {
  id: string;
  /** Carries the cluster tag (server groups, which take none, count as tagged by their name). */
  tagged: boolean;
}

/** One resource the cluster needs. */
export interface Wanted {
  kind: OsKind;
  name: string;
  node?: string;
  /** What it is, for the printed plan. */
  what: string;
  /** The user's resource: attached to, never created or deleted. */
  external?: boolean;
}

/** The decision for one resource, or why it cannot be made. */
export type Decision = { action: PlanAction; reason: string } | { problem: string };

/** Decides one resource from its live namesakes and its journal entry. */
export function decide(w: Wanted, live: LiveResource[], entry: JournalEntry | undefined, tag: string): Decision {
  const label = `${w.kind} ${w.name}`;
  if (live.length > 1) return { problem: `${live.length} ${w.kind}s are named ${w.name} (${live.map((l) => l.id).join(', ')}); nkd does not pick one: delete the extra ones` };
  const [one] = live;
  if (w.external) return one ? { action: 'adopt', reason: `${w.what} (yours: used, never deleted)` } : { problem: `${label} does not exist` };
  if (!one) return { action: 'create', reason: entry?.state === 'created' ? `${w.what} (recorded, but gone: created again)` : w.what };
  if (one.tagged) {
    return entry?.state === 'created' && entry.attrs.id === one.id
      ? { action: 'keep', reason: w.what }
      : { action: 'adopt', reason: `${w.what} (tagged ${tag}, left by an earlier run)` };
  }
  if (entry) return { action: 'adopt', reason: `${w.what} (created by an interrupted run before it was tagged)` };
  return { problem: `${label} exists (${one.id}) without the tag ${tag}: it is not this cluster's; remove or rename it, or rename the cluster` };
}

/** Every resource the cluster needs, in the order apply creates them. */
export function wantedResources(s: OpenStackSettings, nodes: Array<{ name: string; role: string; ip?: string }>, imageFound: boolean): Wanted[] {
  const c = s.clusterId;
  const out: Wanted[] = [];
  if (!imageFound && s.imageFile) out.push({ kind: 'image', name: s.image ?? '', what: `NestOS image uploaded once from ${s.imageFile}` });
  if (s.internalNetwork) out.push({ kind: 'network', name: s.internalNetwork, what: 'existing network (spec.openstack.internalNetwork)', external: true });
  else {
    out.push({ kind: 'network', name: osNames.network(c), what: 'the nodes\' network' });
    out.push({ kind: 'subnet', name: osNames.subnet(c), what: `subnet ${s.subnet.cidr}` });
    if (s.externalNetwork) {
      out.push({ kind: 'router', name: osNames.router(c), what: `router to ${s.externalNetwork}` });
      out.push({ kind: 'router-interface', name: osNames.routerInterface(c), what: 'the router\'s interface on the subnet' });
    }
  }
  for (const g of s.groups) out.push({ kind: 'security-group', name: g.name, what: `${g.rules.length} ingress rules for the ${g.role} nodes` });
  if (s.vip) out.push({ kind: 'port', name: osNames.vipPort(c), what: `API endpoint VIP ${s.vip.address} (in the control planes' allowed address pairs)` });
  if (s.vip && s.apiFloatingIp) out.push({ kind: 'floating-ip', name: osNames.vipFloatingIp(c), what: `floating IP from ${s.externalNetwork ?? '?'} on the API VIP` });
  if (nodes.some((n) => n.role === 'control-plane')) out.push({ kind: 'server-group', name: osNames.serverGroup(c), what: 'soft-anti-affinity for the control planes' });
  for (const n of nodes) {
    const own = s.nodes.find((x) => x.name === n.name);
    out.push({ kind: 'port', name: osNames.port(c, n.name), node: n.name, what: `port${n.ip ? ` ${n.ip}` : ''}, security group ${n.role}` });
    out.push({ kind: 'server', name: osNames.server(c, n.name), node: n.name, what: `${n.role}${own?.flavor ? `, flavor ${own.flavor}` : ''}, first stage as user data, config drive` });
    if (own?.floatingIp) out.push({ kind: 'floating-ip', name: osNames.floatingIp(c, n.name), node: n.name, what: `floating IP from ${s.externalNetwork ?? '?'}` });
  }
  return out;
}

/** The plan items and the problems, from the wanted resources and what was found. */
export function decideAll(wanted: Wanted[], live: (w: Wanted) => LiveResource[], entry: (w: Wanted) => JournalEntry | undefined, tag: string): { items: PlanItem[]; problems: string[] } {
  const items: PlanItem[] = [];
  const problems: string[] = [];
  for (const w of wanted) {
    const d = decide(w, live(w), entry(w), tag);
    if ('problem' in d) problems.push(d.problem);
    else items.push({ kind: w.kind, name: w.name, action: d.action, reason: d.reason, ...(w.node ? { node: w.node } : {}) });
  }
  return { items, problems };
}
