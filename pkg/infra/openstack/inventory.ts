/**
 * What lives in the cloud under the names a plan wants: one listing per resource type
 * (Neutron filters by several names at once, Nova by a name prefix), so a plan of any size
 * costs a handful of requests.
 */
import type { Journal } from '../journal.js';
import type { OpenStackApi } from './api.js';
import { imagesNamed } from './glance.js';
import { neutronList, type NeutronKind, type NeutronResource, type FloatingIp } from './neutron.js';
import { listServerGroups, serversNamed } from './nova.js';
import { namePrefix } from './names.js';
import type { LiveResource, Wanted } from './plan.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A function giving the live namesakes of each wanted resource. */
export type LiveLookup = (w: Wanted) => LiveResource[];

/** Lists what the wanted resources' names find, once per type. */
export async function liveLookup(api: OpenStackApi, cluster: string, tag: string, wanted: Wanted[], journal?: Journal): Promise<LiveLookup> {
  const found = new Map<string, LiveResource[]>();
  const put = (kind: string, name: string, r: LiveResource): void => {
    const k = `${kind}/${name}`;
    found.set(k, [...(found.get(k) ?? []), r]);
  };
  const kinds = new Set(wanted.map((w) => w.kind));
  const neutronKinds: NeutronKind[] = ['network', 'subnet', 'router', 'security-group', 'port'];
  for (const kind of neutronKinds) {
    if (!kinds.has(kind)) continue;
    const names = wanted.filter((w) => w.kind === kind).map((w) => w.name);
    const byName = await neutronList<NeutronResource>(api, kind, { name: names });
    for (const r of byName) put(kind, r.name, { id: r.id, tagged: !!r.tags?.includes(tag) });
    for (const w of wanted.filter((x) => x.kind === kind && x.external && UUID.test(x.name))) {
      for (const r of await neutronList<NeutronResource>(api, kind, { id: w.name })) put(kind, w.name, { id: r.id, tagged: false });
    }
  }
  if (kinds.has('floating-ip')) {
    const names = new Set(wanted.filter((w) => w.kind === 'floating-ip').map((w) => w.name));
    for (const f of await neutronList<FloatingIp>(api, 'floating-ip', {})) {
      if (f.description && names.has(f.description)) put('floating-ip', f.description, { id: f.id, tagged: !!f.tags?.includes(tag) });
    }
  }
  if (kinds.has('server')) {
    for (const s of await serversNamed(api, namePrefix(cluster), true)) put('server', s.name, { id: s.id, tagged: !!s.tags?.includes(tag) });
  }
  if (kinds.has('server-group')) {
    // Server groups take no tags: the name nkd gives is the mark.
    for (const g of await listServerGroups(api)) put('server-group', g.name, { id: g.id, tagged: true });
  }
  for (const w of wanted.filter((x) => x.kind === 'image')) {
    for (const i of await imagesNamed(api, w.name)) put('image', w.name, { id: i.id, tagged: !!i.tags?.includes(tag) });
  }
  return (w) => {
    if (w.kind === 'router-interface') {
      // Neutron names no interface: the journal's record is the only mark (apply checks the router's ports).
      const e = journal?.get(w.kind, w.name);
      return e?.state === 'created' && e.attrs.id ? [{ id: e.attrs.id, tagged: true }] : [];
    }
    return found.get(`${w.kind}/${w.name}`) ?? [];
  };
}
