import { ExitCode, NkdError } from '../../ui/errors.js';
import type { Journal } from '../journal.js';
import { clusterBridgeName, hasClusterPrefix, resourcePrefix } from '../tag.js';
import type { DestroyReport, ResourceRef, ResourceStatus, RunOptions } from '../types.js';
import { getDomain, getNetwork, getPool, listDomains, listVolumes } from './inspect.js';
import type { LibvirtSettings } from './settings.js';
import { VirshError, type Virsh } from './virsh.js';

/** A resource destroy will delete, and why it is known to be this cluster's. */
interface Doomed extends ResourceRef {
  via: 'journal' | 'tag';
}

/** Collects the cluster's resources: the journal's owned entries plus a sweep by tag. */
async function collect(v: Virsh, s: LibvirtSettings, journal: Journal): Promise<{ doomed: Doomed[]; kept: DestroyReport['kept'] }> {
  const id = journal.clusterId;
  const doomed: Doomed[] = [];
  const kept: DestroyReport['kept'] = [];
  const add = (kind: string, name: string, via: Doomed['via']): void => {
    if (!doomed.some((d) => d.kind === kind && d.name === name)) doomed.push({ kind, name, via });
  };
  for (const e of journal.entries()) {
    if (e.owned) add(e.kind, e.name, 'journal');
    else kept.push({ kind: e.kind, name: e.name, reason: 'not created by nkd (adopted); left in place' });
  }
  // Domains: name prefix and nkd metadata naming this cluster.
  const nodes = new Set<string>(journal.entries().filter((e) => e.kind === 'domain').map((e) => e.attrs.node ?? ''));
  for (const name of await listDomains(v)) {
    if (!hasClusterPrefix(name, id)) continue;
    const d = await getDomain(v, name);
    if (d?.clusterId === id) {
      add('domain', name, 'tag');
      if (d.node) nodes.add(d.node);
    }
  }
  // Volumes: only the exact names nkd gives (base, and per known node), never a mere prefix match.
  if (s.pool.name) {
    const p = resourcePrefix(id);
    for (const vol of await listVolumes(v, s.pool.name)) {
      if (!vol.startsWith(p)) continue;
      const rest = vol.slice(p.length);
      const node = rest.replace(/\.(qcow2|ign)$/, '');
      if (/^base\.(qcow2|raw)$/.test(rest) || (nodes.has(node) && rest !== node)) add('volume', vol, 'tag');
      else if (!doomed.some((d) => d.kind === 'volume' && d.name === vol)) {
        kept.push({ kind: 'volume', name: vol, reason: `name starts with ${p} but names no node of this cluster; delete it by hand if it is this cluster's` });
      }
    }
  }
  // The network: nkd's bridge name derives from the cluster id.
  if (s.network.mode === 'nat' && s.network.name) {
    const net = await getNetwork(v, s.network.name);
    if (net?.bridge === clusterBridgeName(id)) add('network', s.network.name, 'tag');
  }
  // The pool: ours when the journal says nkd created it, or it is the configured pool at the
  // configured path and the journal does not say nkd adopted it.
  if (s.pool.name && !journal.get('pool', s.pool.name)) {
    const pool = await getPool(v, s.pool.name);
    if (pool && pool.path === s.pool.path) add('pool', s.pool.name, 'tag');
  }
  return { doomed, kept };
}

const ORDER = ['domain', 'volume', 'pool', 'network'];

async function ignoreMissing(p: Promise<unknown>, also?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VirshError && (e.notFound || (also && also.test(e.stderr)))) return;
    throw e;
  }
}

async function deleteOne(v: Virsh, s: LibvirtSettings, r: ResourceRef): Promise<void> {
  switch (r.kind) {
    case 'domain':
      await ignoreMissing(v.run(['destroy', r.name]), /not running|domain is not running/i);
      await ignoreMissing(v.run(['undefine', r.name]));
      return;
    case 'volume':
      await ignoreMissing(v.run(['vol-delete', '--pool', s.pool.name, r.name]));
      return;
    case 'pool': {
      const left = await listVolumes(v, r.name);
      if (left.length > 0) throw new Error(`pool still holds ${left.join(', ')}`);
      await ignoreMissing(v.run(['pool-destroy', r.name]), /not active/i);
      await ignoreMissing(v.run(['pool-delete', r.name]), /No such file|not active/i);
      await ignoreMissing(v.run(['pool-undefine', r.name]));
      return;
    }
    case 'network':
      await ignoreMissing(v.run(['net-destroy', r.name]), /not active/i);
      await ignoreMissing(v.run(['net-undefine', r.name]));
      return;
    default:
      throw new Error(`unknown libvirt resource kind ${r.kind}`);
  }
}

/**
 * Deletes the cluster: domains, then volumes, the pool and the network; from the journal and
 * by tag; each deletion retried three times; reports deleted, kept and remaining resources.
 */
export async function destroyCluster(v: Virsh, s: LibvirtSettings, journal: Journal, opts: RunOptions & { retryDelayMs?: number }): Promise<DestroyReport> {
  const { doomed, kept } = await collect(v, s, journal);
  const report: DestroyReport = { deleted: [], kept, remaining: [] };
  const delay = opts.retryDelayMs ?? 500;
  for (const kind of ORDER) {
    for (const r of doomed.filter((d) => d.kind === kind)) {
      if (opts.signal?.aborted) throw new NkdError('destroy interrupted; re-run `nkd destroy` to finish', { code: ExitCode.Interrupted });
      const ref = { kind: r.kind, name: r.name };
      if (journal.get(r.kind, r.name)) await journal.deleting(ref);
      let lastErr: unknown;
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await deleteOne(v, s, ref);
          lastErr = undefined;
          break;
        } catch (e) {
          lastErr = e;
          opts.progress.debug(`deleting ${r.kind} ${r.name}, attempt ${attempt}: ${(e as Error).message}`);
          if (attempt < 3) await new Promise((res) => setTimeout(res, delay * 2 ** (attempt - 1)));
        }
      }
      if (lastErr === undefined) {
        await journal.forget(ref);
        report.deleted.push(ref);
        opts.progress.ok(`deleted ${r.kind} ${r.name}${r.via === 'tag' ? ' (found by cluster tag)' : ''}`);
      } else {
        report.remaining.push({ ...ref, error: (lastErr as Error).message });
        opts.progress.warn(`could not delete ${r.kind} ${r.name}: ${(lastErr as Error).message}`);
      }
    }
  }
  for (const k of kept) if (journal.get(k.kind, k.name)) await journal.forget(k);
  return report;
}

/** The cluster's live resources: every journal entry (present or not) and tagged extras. */
export async function clusterStatus(v: Virsh, s: LibvirtSettings, journal: Journal): Promise<ResourceStatus[]> {
  const { doomed, kept } = await collect(v, s, journal);
  const out: ResourceStatus[] = [];
  const seen = new Set<string>();
  const liveState = async (kind: string, name: string): Promise<string> => {
    if (kind === 'domain') {
      const d = await getDomain(v, name);
      return d ? (d.running ? 'running' : 'shut off') : 'missing';
    }
    if (kind === 'network') return (await getNetwork(v, name)) ? 'present' : 'missing';
    if (kind === 'pool') return (await getPool(v, name)) ? 'present' : 'missing';
    if (kind === 'volume') return (await listVolumes(v, s.pool.name)).includes(name) ? 'present' : 'missing';
    return 'unknown';
  };
  for (const e of journal.entries()) {
    seen.add(`${e.kind}/${e.name}`);
    out.push({ kind: e.kind, name: e.name, inJournal: true, state: e.state === 'created' ? await liveState(e.kind, e.name) : `${e.state} (interrupted)` });
  }
  for (const d of [...doomed, ...kept]) {
    if (seen.has(`${d.kind}/${d.name}`)) continue;
    out.push({ kind: d.kind, name: d.name, inJournal: false, state: await liveState(d.kind, d.name) });
  }
  return out;
}
