/**
 * The steps of an OpenStack apply, each idempotent: find the resource by its deterministic
 * name (re-tagging one an interrupted run created but did not tag), else record it in the
 * journal as "creating", create it, and record it "created" with its ID. Between resources an
 * abort stops the run; what exists stays recorded for the next run or for destroy.
 */
import { checkAbort } from '../../abort.js';
import { ExitCode, NkdError } from '../../ui/errors.js';
import type { Journal } from '../journal.js';
import type { RunOptions } from '../types.js';
import type { OpenStackApi } from './api.js';
import { createImage, findImage, uploadImage, type Image } from './glance.js';
import { osNames, serverMetadata, type OsKind } from './names.js';
import { addRouterInterface, neutronCreate, neutronGet, neutronList, neutronTag, ruleBody, sameRule, type FloatingIp, type NeutronKind, type NeutronResource, type Port, type SecurityGroup, type Subnet } from './neutron.js';
import { createServer, createServerGroup, listServerGroups, serversNamed, waitActive, type Flavor } from './nova.js';
import type { OpenStackSettings } from './settings.js';

/** What the preflight found and apply builds on. */
export interface Facts {
  /** The NestOS image when it exists (else apply uploads spec.openstack.imageFile). */
  image?: Image;
  flavorOf: Map<string, Flavor>;
  externalNetworkId?: string;
  /** spec.openstack.internalNetwork: its ID and subnets. */
  internal?: { id: string; subnets: Subnet[] };
}

/** Bounds of the waits apply makes. */
export interface ApplyWaits {
  activeMs: number;
  pollMs: number;
}

/** Everything a step needs. */
export interface ApplyCtx {
  api: OpenStackApi;
  s: OpenStackSettings;
  tag: string;
  journal: Journal;
  opts: RunOptions;
  facts: Facts;
  waits: ApplyWaits;
  /** The fixed IP of each node's port, once known (the boot service hands bundles only there). */
  portIps: Map<string, string>;
}

/**
 * One resource: found by name (and re-tagged if an interrupted run did not tag it), else
 * created between the journal's "creating" and "created". Returns its ID.
 */
export async function ensure(ctx: ApplyCtx, kind: OsKind, name: string, find: () => Promise<{ id: string; tagged: boolean } | undefined>, create: () => Promise<string>, retag?: (id: string) => Promise<void>): Promise<string> {
  checkAbort(ctx.opts.signal);
  const ref = { kind, name };
  const live = await find();
  if (live) {
    if (!live.tagged) await retag?.(live.id);
    const prev = ctx.journal.get(kind, name);
    if (prev?.state !== 'created' || prev.attrs.id !== live.id) {
      await ctx.journal.done(ref, { id: live.id });
      ctx.opts.progress.info(`${kind} ${name}: found (${live.id}), taken over`);
    }
    return live.id;
  }
  await ctx.journal.begin(ref);
  const id = await create();
  await ctx.journal.done(ref, { id });
  ctx.opts.progress.ok(`${kind} ${name} created (${id})`);
  return id;
}

/** ensure() for a Neutron resource found by name. */
async function ensureNeutron(ctx: ApplyCtx, kind: NeutronKind, name: string, body: () => Record<string, unknown>): Promise<string> {
  return ensure(ctx, kind, name,
    async () => {
      const r = (await neutronList<NeutronResource>(ctx.api, kind, { name }))[0];
      return r && { id: r.id, tagged: !!r.tags?.includes(ctx.tag) };
    },
    async () => (await neutronCreate<NeutronResource>(ctx.api, kind, name, { name, ...body() }, ctx.tag)).id,
    (id) => neutronTag(ctx.api, kind, id, name, ctx.tag));
}

/** The image: the existing one, or the local qcow2 uploaded once (and waited for until active). */
export async function ensureImage(ctx: ApplyCtx): Promise<string> {
  const { s, facts } = ctx;
  if (facts.image && !facts.image.tags?.includes(ctx.tag)) {
    await ctx.journal.done({ kind: 'image', name: facts.image.name }, { id: facts.image.id }, { adopted: true, owned: false });
    return facts.image.id;
  }
  // Ours to make, or made by an earlier run (tagged) whose upload may not have finished.
  const name = s.image!;
  const id = await ensure(ctx, 'image', name,
    async () => {
      const i = await findImage(ctx.api, name);
      return i && { id: i.id, tagged: !!i.tags?.includes(ctx.tag) };
    },
    async () => (await createImage(ctx.api, name, ctx.tag)).id);
  if (!s.imageFile) return id;
  const end = Date.now() + 60 * 60_000;
  for (;;) {
    checkAbort(ctx.opts.signal);
    const img = await ctx.api.get<Image>('image', `/v2/images/${id}`, `read image ${name}`);
    if (img.status === 'active') return id;
    if (img.status === 'queued') {
      ctx.opts.progress.info(`uploading ${s.imageFile} to image ${name}`);
      await uploadImage(ctx.api, id, name, s.imageFile!);
    } else if (img.status === 'killed' || img.status === 'deleted') {
      throw new NkdError(`image ${name} (${id}) is ${img.status}: Glance did not keep the upload`, { hint: 'run nkd destroy (it deletes the image nkd made) or delete it, then deploy again' });
    } else if (Date.now() > end) {
      throw new NkdError(`image ${name} is still ${img.status} an hour after its upload`, { hint: 'look at Glance\'s logs; re-run to resume' });
    } else await new Promise((r) => setTimeout(r, ctx.waits.pollMs));
  }
}

/** The network and subnet (created, or the user's), and the router to the external network. */
export async function ensureNetwork(ctx: ApplyCtx): Promise<{ networkId: string; subnets: Subnet[] }> {
  const { s, facts } = ctx;
  const c = s.clusterId;
  if (facts.internal) {
    await ctx.journal.done({ kind: 'network', name: s.internalNetwork! }, { id: facts.internal.id }, { adopted: true, owned: false });
    return { networkId: facts.internal.id, subnets: facts.internal.subnets };
  }
  const networkId = await ensureNeutron(ctx, 'network', osNames.network(c), () => ({ admin_state_up: true }));
  const subnetId = await ensureNeutron(ctx, 'subnet', osNames.subnet(c), () => ({
    network_id: networkId, ip_version: 4, cidr: s.subnet.cidr, enable_dhcp: true,
    ...(s.subnet.gateway ? { gateway_ip: s.subnet.gateway } : {}),
    ...(s.subnet.dns.length ? { dns_nameservers: s.subnet.dns } : {}),
  }));
  if (s.externalNetwork && facts.externalNetworkId) {
    const routerId = await ensureNeutron(ctx, 'router', osNames.router(c), () => ({ external_gateway_info: { network_id: facts.externalNetworkId } }));
    const name = osNames.routerInterface(c);
    await ensure(ctx, 'router-interface', name,
      async () => {
        const p = (await neutronList<Port>(ctx.api, 'port', { device_id: routerId })).find((x) => x.fixed_ips.some((f) => f.subnet_id === subnetId));
        return p && { id: p.id, tagged: true };
      },
      async () => {
        await addRouterInterface(ctx.api, routerId, subnetId, `router ${osNames.router(c)}'s interface on ${osNames.subnet(c)}`);
        const p = (await neutronList<Port>(ctx.api, 'port', { device_id: routerId })).find((x) => x.fixed_ips.some((f) => f.subnet_id === subnetId));
        return p?.id ?? '';
      });
    await ctx.journal.done({ kind: 'router-interface', name }, { router: routerId, subnet: subnetId });
  }
  const subnet = await neutronGet<Subnet>(ctx.api, 'subnet', subnetId, osNames.subnet(c));
  return { networkId, subnets: subnet ? [subnet] : [] };
}

/** Both security groups, then every rule each lacks (group-to-group rules need both IDs). */
export async function ensureSecurityGroups(ctx: ApplyCtx): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const g of ctx.s.groups) ids[g.role] = await ensureNeutron(ctx, 'security-group', g.name, () => ({ description: `nkd cluster ${ctx.s.clusterId}: ${g.role} nodes` }));
  for (const g of ctx.s.groups) {
    checkAbort(ctx.opts.signal);
    const live = await neutronGet<SecurityGroup>(ctx.api, 'security-group', ids[g.role]!, g.name);
    const have = live?.security_group_rules ?? [];
    const missing = g.rules.filter((rule) => !have.some((r) => sameRule(r, ruleBody(ids[g.role]!, rule, ids))));
    const made = await addRules(ctx, g.name, missing.map((rule) => ({ why: rule.why, body: ruleBody(ids[g.role]!, rule, ids) })));
    if (made) ctx.opts.progress.ok(`security group ${g.name}: ${made} rules added`);
  }
  return ids;
}

const ipv4 = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

/** True when an IPv4 address lies in a CIDR (Neutron's subnets are well-formed). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base ?? '') / size);
}

/**
 * Adds rules to a group: in one bulk request (one round trip for the thirty-odd rules of a
 * group); when Neutron refuses the bulk with 409 (one of them exists: a retried request that
 * Neutron did take), one by one, a 409 then meaning "already there".
 */
async function addRules(ctx: ApplyCtx, group: string, rules: Array<{ why: string; body: Record<string, unknown> }>): Promise<number> {
  if (rules.length === 0) return 0;
  const bulk = await ctx.api.call('network', 'POST', '/v2.0/security-group-rules', `add ${rules.length} rules to security group ${group}`, { security_group_rules: rules.map((r) => r.body) }, { ok: [409] });
  if (bulk.status !== 409) return rules.length;
  let made = 0;
  for (const r of rules) {
    const one = await ctx.api.call('network', 'POST', '/v2.0/security-group-rules', `add a rule (${r.why}) to security group ${group}`, { security_group_rule: r.body }, { ok: [409] });
    if (one.status !== 409) made++;
  }
  return made;
}

/** The subnet a fixed IP belongs to (the first subnet without one). */
function subnetFor(subnets: Subnet[], ip?: string): Subnet | undefined {
  return ip ? subnets.find((sn) => sn.cidr.includes('.') && inCidr(ip, sn.cidr)) : subnets[0];
}

/** A port on the nodes' network: fixed IP when given, security groups, allowed address pairs. */
export async function ensurePort(ctx: ApplyCtx, net: { networkId: string; subnets: Subnet[] }, name: string, opts: { ip?: string; groups: string[]; pairs?: string[]; node?: string }): Promise<Port> {
  const sn = subnetFor(net.subnets, opts.ip);
  if (!sn) throw new NkdError(`port ${name}: ${opts.ip ?? 'no address'} lies in no subnet of the nodes' network (${net.subnets.map((x) => x.cidr).join(', ') || 'none'})`, { hint: 'set spec.network.cidr (and the nodes\' ip) to the network\'s subnet' });
  const id = await ensureNeutron(ctx, 'port', name, () => ({
    network_id: net.networkId,
    fixed_ips: [{ subnet_id: sn.id, ...(opts.ip ? { ip_address: opts.ip } : {}) }],
    security_groups: opts.groups,
    ...(opts.pairs?.length ? { allowed_address_pairs: opts.pairs.map((ip) => ({ ip_address: ip })) } : {}),
    description: `nkd cluster ${ctx.s.clusterId}${opts.node ? `: node ${opts.node}` : ': API endpoint VIP'}`,
  }));
  const port = await neutronGet<Port>(ctx.api, 'port', id, name);
  if (!port) throw new NkdError(`port ${name} (${id}) disappeared right after nkd made it`, { hint: 're-run the deploy' });
  if (opts.node && port.fixed_ips[0]) ctx.portIps.set(opts.node, port.fixed_ips[0].ip_address);
  return port;
}

/** A floating IP on a port, polled until Neutron reports the association done. */
export async function ensureFloatingIp(ctx: ApplyCtx, name: string, port: Port): Promise<string> {
  const ext = ctx.facts.externalNetworkId;
  if (!ext) throw new NkdError(`floating IP ${name}: spec.openstack.externalNetwork is not set`, { code: ExitCode.Usage, hint: 'set externalNetwork to the network floating IPs come from' });
  const id = await ensure(ctx, 'floating-ip', name,
    async () => {
      const f = (await neutronList<FloatingIp>(ctx.api, 'floating-ip', { port_id: port.id }))[0] ?? (await neutronList<FloatingIp>(ctx.api, 'floating-ip', {})).find((x) => x.description === name);
      return f && { id: f.id, tagged: !!f.tags?.includes(ctx.tag) };
    },
    async () => (await neutronCreate<FloatingIp>(ctx.api, 'floating-ip', name, { floating_network_id: ext, port_id: port.id, description: name }, ctx.tag)).id,
    (fid) => neutronTag(ctx.api, 'floating-ip', fid, name, ctx.tag));
  const end = Date.now() + ctx.waits.activeMs;
  for (;;) {
    checkAbort(ctx.opts.signal);
    const f = await neutronGet<FloatingIp>(ctx.api, 'floating-ip', id, name);
    if (f && f.port_id !== port.id) await ctx.api.put('network', `/v2.0/floatingips/${id}`, `associate floating IP ${name}`, { floatingip: { port_id: port.id } });
    else if (f && f.fixed_ip_address === port.fixed_ips[0]?.ip_address) {
      // Associated in Neutron's database; ACTIVE once the L3 agent (or OVN) programmed the NAT.
      await ctx.journal.done({ kind: 'floating-ip', name }, { id, address: f.floating_ip_address });
      if (f.status === 'ACTIVE') ctx.opts.progress.ok(`floating IP ${f.floating_ip_address} → ${name}`);
      else ctx.opts.progress.warn(`floating IP ${f.floating_ip_address} → ${name} is associated but ${f.status}: the cloud's L3 agent has not programmed it (yet)`);
      return f.floating_ip_address;
    }
    if (Date.now() > end) throw new NkdError(`floating IP ${name} is not associated with port ${port.id} after ${Math.round(ctx.waits.activeMs / 1000)} s (status ${f?.status ?? 'gone'})`, { hint: 'the cloud\'s L3 agent may be down: look at the floating IP (openstack floating ip show), then re-run' });
    await new Promise((r) => setTimeout(r, ctx.waits.pollMs));
  }
}

/** The control planes' server group (soft-anti-affinity). */
export async function ensureServerGroup(ctx: ApplyCtx): Promise<string> {
  const name = osNames.serverGroup(ctx.s.clusterId);
  return ensure(ctx, 'server-group', name,
    async () => {
      const g = (await listServerGroups(ctx.api)).find((x) => x.name === name);
      return g && { id: g.id, tagged: true };
    },
    async () => (await createServerGroup(ctx.api, name)).id);
}

/** A node's server from its port, waited for until ACTIVE. */
export async function ensureServer(ctx: ApplyCtx, node: { name: string; role: string; availabilityZone?: string }, portId: string, imageId: string, userData: Buffer, serverGroupId?: string): Promise<string> {
  const name = osNames.server(ctx.s.clusterId, node.name);
  const flavor = ctx.facts.flavorOf.get(node.name);
  if (!flavor) throw new NkdError(`node ${node.name}: no flavor chosen (preflight did not run)`);
  const id = await ensure(ctx, 'server', name,
    async () => {
      const sv = (await serversNamed(ctx.api, name))[0];
      return sv && { id: sv.id, tagged: !!sv.tags?.includes(ctx.tag) };
    },
    () => createServer(ctx.api, {
      name, flavorId: flavor.id, imageId, portId, userData, tag: ctx.tag,
      metadata: serverMetadata(ctx.s.clusterId, node.name),
      ...(node.availabilityZone ? { availabilityZone: node.availabilityZone } : {}),
      ...(serverGroupId && node.role === 'control-plane' ? { serverGroupId } : {}),
    }),
    (sid) => ctx.api.put('compute', `/servers/${sid}/tags/${encodeURIComponent(ctx.tag)}`, `tag server ${name}`).then(() => undefined));
  await waitActive(ctx.api, id, name, { timeoutMs: ctx.waits.activeMs, pollMs: ctx.waits.pollMs, signal: ctx.opts.signal });
  ctx.opts.progress.ok(`server ${name} ACTIVE`);
  return id;
}
