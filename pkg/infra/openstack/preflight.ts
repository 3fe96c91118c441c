/**
 * The OpenStack preflight: before anything is created, the image (or the local file to upload),
 * every node's flavor, the external and internal networks exist — each name naming one
 * resource only — and the project's quotas cover what the plan creates. Every problem is
 * collected and reported at once, each naming the field and the fix.
 */
import { access } from 'node:fs/promises';
import { usageError } from '../../ui/errors.js';
import type { Journal } from '../journal.js';
import type { OpenStackApi } from './api.js';
import { inCidr, type Facts } from './apply-steps.js';
import { chooseFlavor } from './flavors.js';
import { findImage } from './glance.js';
import { liveLookup } from './inventory.js';
import { neutronList, type Network, type Subnet } from './neutron.js';
import { computeQuotas, listFlavors } from './nova.js';
import { wantedResources } from './plan.js';
import { quotaNeed, quotaShortfalls, type AnyQuotaLine } from './quotas.js';
import type { OpenStackSettings } from './settings.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one network a name or ID names, or the problem. */
async function oneNetwork(api: OpenStackApi, ref: string, field: string, external: boolean): Promise<{ net?: Network; problem?: string }> {
  const found = UUID.test(ref) ? await neutronList<Network>(api, 'network', { id: ref }) : [];
  const nets = found.length ? found : await neutronList<Network>(api, 'network', { name: ref });
  if (nets.length > 1) return { problem: `${field}: ${nets.length} networks are named "${ref}" (${nets.map((n) => n.id).join(', ')}); nkd does not pick one: give the network's ID` };
  const net = nets[0];
  if (!net) return { problem: `${field}: no network "${ref}" in the project's view; create it, or name an existing one (openstack network list${external ? ' --external' : ''})` };
  if (external && !net['router:external']) return { problem: `${field}: network "${ref}" is not external (router:external is false); name the cloud's external network (openstack network list --external)` };
  return { net };
}

/** Runs the checks; returns what apply builds on. Throws one usage error listing every problem. */
export async function preflightChecks(api: OpenStackApi, s: OpenStackSettings, tag: string, journal?: Journal): Promise<Facts> {
  const problems: string[] = [];
  const facts: Facts = { flavorOf: new Map() };
  if (s.image) {
    try {
      facts.image = await findImage(api, s.image);
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (!facts.image && !problems.length) {
      if (!s.imageFile) problems.push(`spec.openstack.image: no image "${s.image}" in Glance; upload NestOS (openstack image create --disk-format qcow2 --file nestos.qcow2 ${s.image}), or set spec.openstack.imageFile to the qcow2 for nkd to upload`);
      else await access(s.imageFile).catch(() => problems.push(`spec.openstack.imageFile: ${s.imageFile} cannot be read; point it at the NestOS qcow2`));
    } else if (facts.image && facts.image.status !== 'active' && !facts.image.tags?.includes(tag)) {
      problems.push(`spec.openstack.image: image "${s.image}" (${facts.image.id}) is ${facts.image.status}, not active; wait for its upload or name another image`);
    }
  }
  const flavors = await listFlavors(api);
  for (const n of s.nodes) {
    const field = n.flavor && s.auth.flavor !== n.flavor ? `nodes.${n.name}.openstack.flavor` : 'spec.openstack.flavor';
    const r = chooseFlavor(n, flavors, field);
    // Nodes sharing spec.openstack.flavor share its problem: say it once.
    if ('problem' in r) {
      if (!problems.includes(r.problem)) problems.push(r.problem);
    }
    else facts.flavorOf.set(n.name, r.flavor);
  }
  if (s.externalNetwork) {
    const r = await oneNetwork(api, s.externalNetwork, 'spec.openstack.externalNetwork', true);
    if (r.problem) problems.push(r.problem);
    facts.externalNetworkId = r.net?.id;
  } else if (s.apiFloatingIp || s.nodes.some((n) => n.floatingIp)) {
    problems.push('spec.openstack.externalNetwork: required for floating IPs (apiFloatingIP or a node\'s floatingIP is set); name the cloud\'s external network');
  }
  if (s.internalNetwork) {
    const r = await oneNetwork(api, s.internalNetwork, 'spec.openstack.internalNetwork', false);
    if (r.problem) problems.push(r.problem);
    else if (r.net) {
      const subnets = await neutronList<Subnet>(api, 'subnet', { network_id: r.net.id, ip_version: '4' });
      if (!subnets.length) problems.push(`spec.openstack.internalNetwork: network "${s.internalNetwork}" has no IPv4 subnet; add one, or leave internalNetwork unset for nkd to create the network`);
      facts.internal = { id: r.net.id, subnets };
      // The VIP and every fixed IP must lie in one of its subnets, or no port can hold them.
      const inNone = (ip: string): boolean => subnets.length > 0 && !subnets.some((sn) => inCidr(ip, sn.cidr));
      if (s.vip && inNone(s.vip.address)) problems.push(`spec.kubernetes.controlPlaneEndpoint.host: the VIP ${s.vip.address} lies in no subnet of ${s.internalNetwork} (${subnets.map((x) => x.cidr).join(', ')}); choose a free address in one`);
      for (const n of s.nodes) if (n.ip && inNone(n.ip)) problems.push(`nodes.${n.name}.ip: ${n.ip} lies in no subnet of ${s.internalNetwork} (${subnets.map((x) => x.cidr).join(', ')}); choose an address in one, or leave ip unset for Neutron to pick`);
    }
  }
  if (problems.length) throw usageError(`OpenStack preflight: ${problems.length} problem${problems.length > 1 ? 's' : ''}; nothing was created`, 'fix each and run again', problems);

  const project = api.session.project!.id;
  const wanted = wantedResources(s, s.nodes, !!facts.image && !facts.image.tags?.includes(tag));
  const live = await liveLookup(api, s.clusterId, tag, wanted, journal);
  const create = wanted.filter((w) => !w.external && live(w).length === 0);
  const need = quotaNeed(create, (n) => facts.flavorOf.get(n), (g) => s.groups.find((x) => x.name === g)?.rules.length ?? 0);
  const [compute, network] = await Promise.all([
    computeQuotas(api, project),
    api.get<{ quota: Record<string, AnyQuotaLine> }>('network', `/v2.0/quotas/${project}/details`, 'read the network quotas').then((b) => b.quota),
  ]);
  const short = quotaShortfalls(need, { compute, network }, api.session.project!.name ?? project);
  if (short.length) throw usageError(`the project's quotas do not cover this deploy; nothing was created`, 'free resources in the project, or ask the cloud\'s operators to raise the quotas named', short);
  return facts;
}
