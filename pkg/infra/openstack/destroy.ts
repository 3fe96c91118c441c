/**
 * Destroy of an OpenStack cluster: the journal's resources first, then a sweep of everything
 * tagged with the cluster (server groups, which take no tags, by name prefix), deleted in a
 * safe order (names.ts DESTROY_ORDER); a 409 (a port still bound, a group still used) is
 * retried with backoff by the API layer. What nkd did not create (the user's network, an
 * image it found) is kept and reported; what fails after the retries is reported remaining.
 */
import { ExitCode, NkdError } from '../../ui/errors.js';
import type { Journal } from '../journal.js';
import type { DestroyReport, ResourceStatus, RunOptions } from '../types.js';
import type { OpenStackApi } from './api.js';
import { deleteImage, imagesTagged } from './glance.js';
import { DESTROY_ORDER, namePrefix, type OsKind } from './names.js';
import { clearRouterGateway, neutronDelete, neutronList, removeRouterInterface, type NeutronKind, type NeutronResource, type FloatingIp, type Port } from './neutron.js';
import { deleteServer, listServerGroups, serversTagged } from './nova.js';

/** A resource destroy deletes. */
export interface Doomed {
  kind: OsKind;
  name: string;
  /** Unknown for a journal entry an interrupted run left before the cloud answered (found by name then). */
  id?: string;
  attrs: Record<string, string>;
}

/** Sorts resources into destroy order (stable within a kind). */
export function inDestroyOrder<T extends { kind: string }>(rs: T[]): T[] {
  const rank = (k: string): number => {
    const i = DESTROY_ORDER.indexOf(k as OsKind);
    return i < 0 ? DESTROY_ORDER.length : i;
  };
  return [...rs].sort((a, b) => rank(a.kind) - rank(b.kind));
}

const NEUTRON_SWEEP: NeutronKind[] = ['floating-ip', 'port', 'router', 'subnet', 'network', 'security-group'];

/** The journal's owned resources plus everything tagged with the cluster; the rest is kept. */
export async function collectDoomed(api: OpenStackApi, journal: Journal, tag: string): Promise<{ doomed: Doomed[]; kept: DestroyReport['kept'] }> {
  const doomed: Doomed[] = [];
  const kept: DestroyReport['kept'] = [];
  const add = (d: Doomed): void => {
    const same = doomed.find((x) => x.kind === d.kind && (x.name === d.name || (d.id && x.id === d.id)));
    if (!same) doomed.push(d);
    else same.id ??= d.id;
  };
  for (const e of journal.entries()) {
    if (!e.owned) kept.push({ kind: e.kind, name: e.name, reason: 'not created by nkd; left in place' });
    else add({ kind: e.kind as OsKind, name: e.name, ...(e.attrs.id ? { id: e.attrs.id } : {}), attrs: e.attrs });
  }
  // Entries an interrupted run left without an ID: look them up by their name.
  for (const d of doomed.filter((x) => !x.id && NEUTRON_SWEEP.includes(x.kind as NeutronKind) && x.kind !== 'floating-ip')) {
    const r = (await neutronList<NeutronResource>(api, d.kind as NeutronKind, { name: d.name }))[0];
    if (r) d.id = r.id;
  }
  for (const s of await serversTagged(api, tag)) add({ kind: 'server', name: s.name, id: s.id, attrs: {} });
  for (const kind of NEUTRON_SWEEP) {
    for (const r of await neutronList<NeutronResource & FloatingIp>(api, kind, { tags: tag })) add({ kind, name: r.name || r.description || r.id, id: r.id, attrs: {} });
  }
  for (const g of await listServerGroups(api)) if (g.name.startsWith(namePrefix(journal.clusterId))) add({ kind: 'server-group', name: g.name, id: g.id, attrs: {} });
  for (const i of await imagesTagged(api, tag)) add({ kind: 'image', name: i.name, id: i.id, attrs: {} });
  return { doomed: inDestroyOrder(doomed), kept };
}

/** Deletes one resource; false when it was already gone. */
async function deleteOne(api: OpenStackApi, d: Doomed, waits: { timeoutMs: number; pollMs: number }): Promise<boolean> {
  if (d.kind === 'router-interface') {
    return d.attrs.router && d.attrs.subnet ? removeRouterInterface(api, d.attrs.router, d.attrs.subnet, `router interface ${d.name}`) : false;
  }
  if (!d.id) return false;
  switch (d.kind) {
    case 'server':
      return deleteServer(api, d.id, d.name, waits);
    case 'server-group':
      return api.delete('compute', `/os-server-groups/${d.id}`, `delete server group ${d.name}`);
    case 'image':
      return deleteImage(api, d.id, d.name);
    case 'router': {
      // A router goes once its gateway and its interfaces (ports Neutron made, untagged) are removed.
      await clearRouterGateway(api, d.id, d.name);
      for (const p of await neutronList<Port>(api, 'port', { device_id: d.id, device_owner: 'network:router_interface' })) {
        for (const f of p.fixed_ips) await removeRouterInterface(api, d.id, f.subnet_id, `router ${d.name}'s interface on subnet ${f.subnet_id}`);
      }
      return neutronDelete(api, 'router', d.id, d.name);
    }
    default:
      return neutronDelete(api, d.kind as NeutronKind, d.id, d.name);
  }
}

/** Destroys the cluster (see the file comment). */
export async function destroyCluster(api: OpenStackApi, journal: Journal, tag: string, opts: RunOptions & { waits?: { timeoutMs: number; pollMs: number } }): Promise<DestroyReport> {
  const { doomed, kept } = await collectDoomed(api, journal, tag);
  const report: DestroyReport = { deleted: [], kept, remaining: [] };
  const waits = opts.waits ?? { timeoutMs: 10 * 60_000, pollMs: 2000 };
  for (const d of doomed) {
    if (opts.signal?.aborted) throw new NkdError('destroy interrupted; re-run `nkd destroy` to finish', { code: ExitCode.Interrupted });
    const ref = { kind: d.kind, name: d.name };
    if (journal.get(d.kind, d.name)) await journal.deleting(ref);
    try {
      const existed = await deleteOne(api, d, waits);
      if (journal.get(d.kind, d.name)) await journal.forget(ref);
      report.deleted.push(ref);
      opts.progress.ok(`${d.kind} ${d.name} ${existed ? 'deleted' : 'already gone'}`);
    } catch (e) {
      report.remaining.push({ ...ref, error: e instanceof Error ? e.message : String(e) });
      opts.progress.warn(`${d.kind} ${d.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // Nothing of the cluster remains: what nkd only used (the user's network, an image) is no longer its business.
  if (report.remaining.length === 0) for (const k of kept) await journal.forget(k);
  return report;
}

/** The cluster's servers as Nova lists them, with the journal's other resources. */
export async function clusterStatus(api: OpenStackApi, journal: Journal, tag: string): Promise<ResourceStatus[]> {
  const servers = await serversTagged(api, tag);
  const out: ResourceStatus[] = servers.map((s) => ({ kind: 'server', name: s.name, state: s.status === 'ERROR' && s.fault?.message ? `ERROR: ${s.fault.message}` : s.status, inJournal: !!journal.get('server', s.name) }));
  for (const e of journal.entries()) {
    if (e.kind === 'server' && !servers.some((s) => s.name === e.name)) out.push({ kind: 'server', name: e.name, state: 'missing (recorded in the journal)', inJournal: true });
    else if (e.kind !== 'server') out.push({ kind: e.kind, name: e.name, state: e.state === 'created' ? (e.owned ? 'created' : 'yours (kept)') : e.state, inJournal: true });
  }
  return out;
}
