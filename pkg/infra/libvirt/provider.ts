import { join } from 'node:path';
import { ExitCode, NkdError, usageError } from '../../ui/errors.js';
import { mapLimit } from '../../worker-pool.js';
import type { Journal } from '../journal.js';
import { clusterBridgeName } from '../tag.js';
import type { DesiredCluster, DestroyReport, Host, Plan, PlanItem, Provider, ResourceStatus, RunOptions, NodeSize } from '../types.js';
import { ensureBase, ensureNetwork, ensureNode, ensurePool, missingHosts } from './apply-steps.js';
import { destroyCluster, clusterStatus } from './destroy.js';
import { inspectImage, type ImageInfo } from './image.js';
import { getDomain, getNetwork, getPool, getVolume } from './inspect.js';
import { names } from './names.js';
import { libvirtJournalSettings } from './platform.js';
import type { LibvirtSettings } from './settings.js';
import type { JsonObject } from '../platform.js';
import { openVirsh, VirshError, type Virsh } from './virsh.js';
import type { DirectBoot } from './xml.js';

/** The provider name recorded in journals. */
export const LIBVIRT = 'libvirt';

/**
 * What the composition root may hand the provider besides its settings: a virsh (the tests'
 * session on one test-driver connection), and for the e2e test guest a kernel booted directly
 * with its console logs in a folder of the test's.
 */
export interface LibvirtDeps {
  virsh?: Virsh;
  /** Boot this kernel/initrd instead of the disk (the e2e test guest). */
  kernelBoot?: DirectBoot;
  /** Folder on the libvirt host for the serial console logs (default /var/log/libvirt/qemu). */
  consoleLogDir?: string;
}


/**
 * The libvirt provider: a NAT network (or an existing one), a directory pool, a base volume
 * uploaded once, and per node an Ignition volume, a qcow2 overlay and a domain reading its
 * Ignition through fw_cfg. Everything is driven through virsh with XML from templates/libvirt.
 */
export class LibvirtProvider implements Provider<NodeSize> {
  readonly name = LIBVIRT;
  private readonly v: Virsh;
  private image?: ImageInfo;

  constructor(
    readonly settings: LibvirtSettings,
    private readonly deps: LibvirtDeps = {},
  ) {
    this.v = deps.virsh ?? openVirsh(settings.uri);
  }

  journalSettings(): JsonObject {
    return libvirtJournalSettings(this.settings);
  }

  /** Checks that libvirt answers at the URI and the OS image is readable (creates nothing). */
  async preflight(scope: 'connect' | 'deploy' = 'deploy'): Promise<void> {
    await this.connect();
    if (scope === 'deploy' && this.settings.osImage) this.image = await inspectImage(this.settings.osImage);
  }

  private async connect(): Promise<void> {
    try {
      await this.v.run(['uri']);
    } catch (e) {
      throw new NkdError(`spec.libvirt.uri: cannot connect to libvirt at "${this.settings.uri}": ${e instanceof VirshError ? e.stderr.trim() : String(e)}`, {
        code: ExitCode.Failure,
        hint: 'start libvirtd (and virtlogd) on that host, or fix spec.libvirt.uri',
        cause: e,
      });
    }
  }

  /** What a deploy would create, without asking libvirt (a dry run while libvirt is down). */
  offlinePlan(desired: DesiredCluster<NodeSize>): Plan<NodeSize> {
    const s = this.settings;
    const id = desired.clusterId;
    const items: PlanItem[] = [];
    if (s.network.mode === 'nat') items.push({ kind: 'network', name: s.network.name, action: 'create', reason: `NAT network ${s.network.cidr}` });
    else if (!s.network.bridge) items.push({ kind: 'network', name: s.network.name, action: 'adopt', reason: 'existing network (not deleted by destroy)' });
    items.push({ kind: 'pool', name: s.pool.name, action: 'create', reason: `directory ${s.pool.path}` });
    const format = /\.raw$|\.img$/.test(s.osImage) ? 'raw' : 'qcow2';
    items.push({ kind: 'volume', name: names.base(id, format), action: 'create', reason: `base image from ${s.osImage}` });
    for (const n of desired.nodes) {
      items.push({ kind: 'volume', name: names.ignition(id, n.name), node: n.name, action: 'create', reason: 'Ignition config (fw_cfg opt/com.coreos/config)' });
      items.push({ kind: 'volume', name: names.disk(id, n.name), node: n.name, action: 'create', reason: `${n.diskGiB} GiB overlay of the base image` });
      items.push({ kind: 'domain', name: names.domain(id, n.name), node: n.name, action: 'create', reason: `${n.role}, ${n.cpus} CPU, ${n.memoryMiB} MiB${n.ip ? ', ' + n.ip : ''}` });
    }
    return { provider: LIBVIRT, clusterId: id, items, desired, warnings: [] };
  }

  async plan(desired: DesiredCluster<NodeSize>, journal: Journal): Promise<Plan<NodeSize>> {
    const s = this.settings;
    const id = desired.clusterId;
    await this.preflight();
    if (!this.image) throw usageError('spec.libvirt.osImage: not set', 'point osImage at the NestOS qcow2 image');
    const items: PlanItem[] = [];
    const problems: string[] = [];
    const state = (kind: string, name: string): 'keep' | 'adopt' => (journal.get(kind, name)?.state === 'created' ? 'keep' : 'adopt');

    if (s.network.mode === 'nat') {
      const live = await getNetwork(this.v, s.network.name);
      const ours = clusterBridgeName(id);
      if (!live) items.push({ kind: 'network', name: s.network.name, action: 'create', reason: `NAT network ${s.network.cidr} on bridge ${ours}` });
      else if (live.bridge !== ours) {
        problems.push(`spec.libvirt.network.name: network "${s.network.name}" exists and is not this cluster's (bridge ${live.bridge ?? 'none'}, nkd's would be ${ours}); choose another name, or set network.mode: existing to attach to it`);
      } else {
        const missing = missingHosts(live, desired);
        items.push(missing.length > 0
          ? { kind: 'network', name: s.network.name, action: 'update', reason: `add DHCP hosts ${missing.map((h) => h.name).join(', ')}` }
          : { kind: 'network', name: s.network.name, action: state('network', s.network.name), reason: 'exists with this cluster\'s bridge' });
      }
    } else if (!s.network.bridge) {
      const live = await getNetwork(this.v, s.network.name);
      if (!live) problems.push(`spec.libvirt.network.name: network "${s.network.name}" does not exist (mode: existing); create it, name another one, or use mode: nat`);
      else items.push({ kind: 'network', name: s.network.name, action: 'adopt', reason: 'existing network (not deleted by destroy)' });
    }

    const pool = await getPool(this.v, s.pool.name);
    if (!pool) items.push({ kind: 'pool', name: s.pool.name, action: 'create', reason: `directory ${s.pool.path}` });
    else if (pool.path !== s.pool.path) {
      problems.push(`spec.libvirt.storagePool.name: pool "${s.pool.name}" exists with directory ${pool.path ?? '?'}, not ${s.pool.path}; choose another pool name or set storagePool.path to ${pool.path ?? 'its directory'}`);
    } else items.push({ kind: 'pool', name: s.pool.name, action: state('pool', s.pool.name), reason: `directory ${s.pool.path}` });

    const baseName = names.base(id, this.image.format);
    const base = pool?.active ? await getVolume(this.v, s.pool.name, baseName) : undefined;
    items.push({ kind: 'volume', name: baseName, action: base ? state('volume', baseName) : 'create', reason: `base image from ${s.osImage} (${this.image.format}, ${Math.ceil(this.image.virtualBytes / 2 ** 20)} MiB)` });
    const basePath = base?.path ?? join(s.pool.path, baseName);

    for (const n of desired.nodes) {
      const ign = names.ignition(id, n.name);
      const liveIgn = pool?.active ? await getVolume(this.v, s.pool.name, ign) : undefined;
      const entry = journal.get('volume', ign);
      items.push({
        kind: 'volume', name: ign, node: n.name,
        action: !liveIgn ? 'create' : entry?.state === 'created' && entry.attrs.sha512 === n.ignitionSha512 ? 'keep' : 'update',
        reason: 'Ignition config (fw_cfg opt/com.coreos/config)',
      });
      const disk = names.disk(id, n.name);
      const liveDisk = pool?.active ? await getVolume(this.v, s.pool.name, disk) : undefined;
      if (liveDisk && liveDisk.backingPath !== basePath) {
        problems.push(`nodes.${n.name}: volume "${disk}" exists in pool ${s.pool.name} and is not an overlay of ${basePath}; delete it or rename the node`);
      } else items.push({ kind: 'volume', name: disk, node: n.name, action: liveDisk ? state('volume', disk) : 'create', reason: `${n.diskGiB} GiB overlay of the base image` });

      const dom = names.domain(id, n.name);
      const live = await getDomain(this.v, dom);
      if (!live) items.push({ kind: 'domain', name: dom, node: n.name, action: 'create', reason: `${n.role}, ${n.cpus} CPU, ${n.memoryMiB} MiB${n.ip ? ', ' + n.ip : ''}` });
      else if (live.clusterId !== id || live.node !== n.name) {
        problems.push(`nodes.${n.name}: a domain named "${dom}" exists and is not this cluster's node (${live.clusterId ? `it belongs to cluster "${live.clusterId}"` : 'it has no nkd metadata'}); rename the cluster or the node, or remove that domain`);
      } else if (live.cpus !== n.cpus || Math.round(live.memoryMiB) !== n.memoryMiB) {
        problems.push(`nodes.${n.name}: domain "${dom}" has ${live.cpus} CPU and ${Math.round(live.memoryMiB)} MiB, the cluster file says ${n.cpus} CPU and ${n.memoryMiB} MiB; nkd does not resize nodes: restore the file's values`);
      } else items.push({ kind: 'domain', name: dom, node: n.name, action: live.running ? state('domain', dom) : 'update', reason: live.running ? 'running' : 'defined, will be started' });
    }
    const warnings = await this.capacityWarnings(desired);
    for (const e of journal.entries()) {
      if (e.kind === 'domain' && e.attrs.node && !desired.nodes.some((n) => n.name === e.attrs.node)) {
        warnings.push(`node ${e.attrs.node} (domain ${e.name}) is no longer in the cluster file: nkd does not remove nodes; drain and delete it yourself, or put it back in the file`);
      }
    }
    if (problems.length > 0) {
      throw new NkdError(`${problems.length} libvirt resource${problems.length > 1 ? 's conflict' : ' conflicts'} with the cluster file; nothing was created`, {
        code: ExitCode.Usage,
        details: problems,
        hint: 'nkd adopts only resources it tagged for this cluster; it never takes over or changes foreign ones',
      });
    }
    return { provider: LIBVIRT, clusterId: id, items, desired, warnings };
  }

  /** Memory the nodes ask for against the host's (QEMU allocates lazily, so this only warns). */
  private async capacityWarnings(desired: DesiredCluster<NodeSize>): Promise<string[]> {
    const info = await this.v.run(['nodeinfo']);
    const kib = Number(/^Memory size:\s+(\d+) KiB/m.exec(info)?.[1] ?? 'NaN');
    const want = desired.nodes.reduce((a, n) => a + n.memoryMiB, 0);
    if (Number.isFinite(kib) && want > kib / 1024) {
      return [`the nodes ask for ${want} MiB of memory, the libvirt host has ${Math.floor(kib / 1024)} MiB: guests may fail to start or swap; lower memoryMiB or use fewer nodes per host`];
    }
    return [];
  }

  async apply(plan: Plan<NodeSize>, journal: Journal, opts: RunOptions): Promise<Host[]> {
    const { desired } = plan;
    const image = this.image ?? (await inspectImage(this.settings.osImage));
    const c = { v: this.v, s: this.settings, deps: this.deps };
    await ensureNetwork(c, desired, journal, opts);
    await ensurePool(c, journal, opts);
    const base = await ensureBase(c, desired.clusterId, image, journal, opts);
    const limit = opts.concurrency ?? 4;
    return mapLimit(desired.nodes, limit, (n) => ensureNode(c, desired.clusterId, n, base, journal, opts), opts.signal);
  }

  async destroy(journal: Journal, opts: RunOptions): Promise<DestroyReport> {
    return destroyCluster(this.v, this.settings, journal, opts);
  }

  async status(journal: Journal): Promise<ResourceStatus[]> {
    return clusterStatus(this.v, this.settings, journal);
  }

  async close(): Promise<void> {
    await this.v.close();
  }
}
