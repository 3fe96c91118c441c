import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExitCode, NkdError, usageError } from '../../ui/errors.js';
import { checkAbort } from '../abort.js';
import { mapLimit } from '../concurrency.js';
import type { Journal } from '../journal.js';
import { clusterBridgeName } from '../tag.js';
import { NKD_XML_NS } from '../tag.js';
import type { DesiredCluster, DesiredNode, DestroyReport, Host, Plan, PlanItem, Provider, ResourceStatus, RunOptions } from '../types.js';
import { destroyCluster, clusterStatus } from './destroy.js';
import { inspectImage, type ImageInfo } from './image.js';
import { getDomain, getNetwork, getPool, getVolume, type LiveNetwork } from './inspect.js';
import { derivedMac, dhcpRange, netmask, parseCidr } from './names.js';
import { names } from './names.js';
import type { LibvirtSettings } from './settings.js';
import { openVirsh, VirshError, type Virsh } from './virsh.js';
import { dhcpHostXml, domainXml, networkXml, poolXml, volumeXml } from './xml.js';

/** The provider name recorded in journals. */
export const LIBVIRT = 'libvirt';

/** The journal's record of the settings destroy and status need without the cluster file. */
export function libvirtJournalConfig(s: LibvirtSettings): Record<string, string> {
  return { uri: s.uri, network: s.network.name, networkMode: s.network.mode, pool: s.pool.name, poolPath: s.pool.path };
}

/** Settings rebuilt from a journal (for destroy and status without the cluster file). */
export function settingsFromJournal(journal: Journal): LibvirtSettings {
  const c = journal.providerConfig;
  return {
    uri: c.uri ?? 'qemu:///system',
    osImage: '',
    domainType: 'kvm',
    network: { mode: c.networkMode === 'existing' ? 'existing' : 'nat', name: c.network ?? '', cidr: '', gateway: '' },
    pool: { name: c.pool ?? '', path: c.poolPath ?? '' },
  };
}

/** A node's MAC: from the cluster file, or derived from the cluster and node names. */
const macOf = (clusterId: string, n: DesiredNode): string => (n.mac ?? derivedMac(clusterId, n.name)).toLowerCase();

/**
 * The libvirt provider: a NAT network (or an existing one), a directory pool, a base volume
 * uploaded once, and per node an Ignition volume, a qcow2 overlay and a domain reading its
 * Ignition through fw_cfg. Everything is driven through virsh with XML from templates/libvirt.
 */
export class LibvirtProvider implements Provider {
  readonly name = LIBVIRT;
  private readonly v: Virsh;
  private image?: ImageInfo;

  constructor(
    readonly settings: LibvirtSettings,
    virsh?: Virsh,
  ) {
    this.v = virsh ?? openVirsh(settings.uri);
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
        code: ExitCode.Usage,
        hint: 'start libvirtd (and virtlogd) on that host, or fix spec.libvirt.uri',
        cause: e,
      });
    }
  }

  async plan(desired: DesiredCluster, journal: Journal): Promise<Plan> {
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
        const missing = this.missingHosts(live, desired);
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
    if (problems.length > 0) {
      throw new NkdError(`${problems.length} libvirt resource${problems.length > 1 ? 's conflict' : ' conflicts'} with the cluster file; nothing was created`, {
        code: ExitCode.Usage,
        details: problems,
        hint: 'nkd adopts only resources it tagged for this cluster; it never takes over or changes foreign ones',
      });
    }
    return { provider: LIBVIRT, clusterId: id, items, desired };
  }

  async apply(plan: Plan, journal: Journal, opts: RunOptions): Promise<Host[]> {
    const { desired } = plan;
    const image = this.image ?? (await inspectImage(this.settings.osImage));
    await this.ensureNetwork(desired, journal, opts);
    await this.ensurePool(journal, opts);
    const base = await this.ensureBase(desired.clusterId, image, journal, opts);
    const limit = opts.concurrency ?? this.settings.concurrency ?? 4;
    return mapLimit(desired.nodes, limit, (n) => this.ensureNode(desired.clusterId, n, base, journal, opts), opts.signal);
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

  private missingHosts(live: LiveNetwork, desired: DesiredCluster): Array<{ mac: string; name: string; ip: string }> {
    const have = new Set(live.hosts.map((h) => h.mac.toLowerCase()));
    return desired.nodes
      .filter((n) => n.ip && !have.has(macOf(desired.clusterId, n)))
      .map((n) => ({ mac: macOf(desired.clusterId, n), name: n.name, ip: n.ip as string }));
  }

  /** Writes an XML document next to the journal (kept for forensics) and returns its path. */
  private async xmlFile(journal: Journal, name: string, xml: string): Promise<string> {
    const dir = join(dirname(journal.file), 'libvirt');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${name}.xml`);
    await writeFile(file, xml, { mode: 0o600 });
    return file;
  }

  private async ensureNetwork(desired: DesiredCluster, journal: Journal, opts: RunOptions): Promise<void> {
    const s = this.settings;
    if (s.network.mode === 'existing') {
      if (!s.network.bridge) await journal.done({ kind: 'network', name: s.network.name }, {}, { adopted: true, owned: false });
      return;
    }
    checkAbort(opts.signal);
    const ref = { kind: 'network', name: s.network.name };
    const bridge = clusterBridgeName(desired.clusterId);
    let live = await getNetwork(this.v, s.network.name);
    const created = !live;
    if (!live) {
      const net = parseCidr(s.network.cidr);
      const range = dhcpRange(net);
      const hosts = desired.nodes.filter((n) => n.ip).map((n) => ({ mac: macOf(desired.clusterId, n), name: n.name, ip: n.ip as string }));
      const file = await this.xmlFile(journal, `network-${s.network.name}`, networkXml({
        name: s.network.name, bridge, gateway: s.network.gateway, netmask: netmask(net.prefix), rangeStart: range.start, rangeEnd: range.end, hosts,
      }));
      await journal.begin(ref, { bridge });
      await this.v.run(['net-define', file]);
      opts.progress.ok(`network ${s.network.name} defined (${s.network.cidr}, bridge ${bridge})`);
      live = await getNetwork(this.v, s.network.name);
      if (!live) throw new NkdError(`network ${s.network.name} vanished right after it was defined`);
    } else {
      for (const h of this.missingHosts(live, desired)) {
        checkAbort(opts.signal);
        const flags = live.active ? ['--live', '--config'] : ['--config'];
        await this.v.run(['net-update', s.network.name, 'add', 'ip-dhcp-host', dhcpHostXml(h), ...flags]);
        opts.progress.ok(`network ${s.network.name}: DHCP host ${h.name} ${h.ip}`);
      }
    }
    if (!live.active) await this.v.run(['net-start', s.network.name]);
    await this.v.run(['net-autostart', s.network.name]);
    await journal.done(ref, { bridge }, { adopted: !created && !journal.get('network', ref.name), owned: true });
  }

  private async ensurePool(journal: Journal, opts: RunOptions): Promise<void> {
    checkAbort(opts.signal);
    const s = this.settings;
    const ref = { kind: 'pool', name: s.pool.name };
    let live = await getPool(this.v, s.pool.name);
    const entry = journal.get('pool', s.pool.name);
    if (!live) {
      const file = await this.xmlFile(journal, `pool-${s.pool.name}`, poolXml({ name: s.pool.name, path: s.pool.path }));
      await journal.begin(ref, { path: s.pool.path });
      await this.v.run(['pool-define', file]);
      await this.v.run(['pool-build', s.pool.name]);
      opts.progress.ok(`storage pool ${s.pool.name} defined (${s.pool.path})`);
      live = { name: s.pool.name, path: s.pool.path, active: false };
      await journal.done(ref, { path: s.pool.path }, { adopted: false, owned: true });
    } else if (!entry) {
      opts.progress.info(`storage pool ${s.pool.name} exists: using it (destroy keeps it)`);
      await journal.done(ref, { path: s.pool.path }, { adopted: true, owned: false });
    } else if (entry.state === 'creating') {
      await journal.done(ref, { path: s.pool.path }, { adopted: false, owned: true });
    }
    if (!live.active) await this.v.run(['pool-start', s.pool.name]);
    await this.v.run(['pool-autostart', s.pool.name]);
  }

  /** Creates a volume from XML and uploads `file` into it (skipped where the driver has no uploads). */
  private async createVolume(journal: Journal, xmlName: string, xml: string, upload?: string): Promise<void> {
    const s = this.settings;
    const file = await this.xmlFile(journal, xmlName, xml);
    await this.v.run(['vol-create', s.pool.name, file]);
    if (upload === undefined) return;
    const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? '';
    try {
      await this.v.run(['vol-upload', '--pool', s.pool.name, name, upload]);
    } catch (e) {
      if (!(e instanceof VirshError && e.unsupported && this.settings.uri.startsWith('test://'))) throw e;
    }
  }

  private async ensureBase(clusterId: string, image: ImageInfo, journal: Journal, opts: RunOptions): Promise<{ path: string; format: 'qcow2' | 'raw' }> {
    checkAbort(opts.signal);
    const s = this.settings;
    const name = names.base(clusterId, image.format);
    const ref = { kind: 'volume', name };
    let live = await getVolume(this.v, s.pool.name, name);
    const entry = journal.get('volume', name);
    if (live && entry && entry.state !== 'created') {
      opts.progress.warn(`base volume ${name} was left half-uploaded by an interrupted run: uploading it again`);
      await this.v.run(['vol-delete', '--pool', s.pool.name, name]);
      live = undefined;
    }
    if (!live) {
      await journal.begin(ref, { source: s.osImage });
      const t0 = performance.now();
      await this.createVolume(journal, `volume-${name}`, volumeXml({ name, capacityBytes: image.virtualBytes, format: image.format, backing: null }), s.osImage);
      live = await getVolume(this.v, s.pool.name, name);
      if (!live) throw new NkdError(`base volume ${name} vanished right after it was created`);
      await journal.done(ref, { path: live.path, format: image.format, source: s.osImage });
      opts.progress.ok(`base volume ${name} uploaded (${Math.ceil(image.fileBytes / 2 ** 20)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } else if (!entry) {
      opts.progress.info(`base volume ${name} exists: adopting it (its content is not compared with ${s.osImage})`);
      await journal.done(ref, { path: live.path, format: image.format }, { adopted: true, owned: true });
    }
    return { path: live.path, format: image.format };
  }

  private async ensureNode(clusterId: string, n: DesiredNode, base: { path: string; format: 'qcow2' | 'raw' }, journal: Journal, opts: RunOptions): Promise<Host> {
    const s = this.settings;
    const { readFile } = await import('node:fs/promises');

    checkAbort(opts.signal);
    const ignName = names.ignition(clusterId, n.name);
    const ignRef = { kind: 'volume', name: ignName };
    let ign = await getVolume(this.v, s.pool.name, ignName);
    const ignEntry = journal.get('volume', ignName);
    if (!ign || ignEntry?.state !== 'created' || ignEntry.attrs.sha512 !== n.ignitionSha512) {
      if (ign) await this.v.run(['vol-delete', '--pool', s.pool.name, ignName]);
      const bytes = (await readFile(n.ignitionPath)).length;
      await journal.begin(ignRef, { sha512: n.ignitionSha512 });
      await this.createVolume(journal, `volume-${ignName}`, volumeXml({ name: ignName, capacityBytes: bytes, format: 'raw', backing: null }), n.ignitionPath);
      ign = await getVolume(this.v, s.pool.name, ignName);
      if (!ign) throw new NkdError(`volume ${ignName} vanished right after it was created`);
      await journal.done(ignRef, { sha512: n.ignitionSha512, path: ign.path });
    }

    checkAbort(opts.signal);
    const diskName = names.disk(clusterId, n.name);
    const diskRef = { kind: 'volume', name: diskName };
    const disk = await getVolume(this.v, s.pool.name, diskName);
    if (!disk) {
      await journal.begin(diskRef);
      await this.createVolume(journal, `volume-${diskName}`, volumeXml({ name: diskName, capacityBytes: n.diskGiB * 2 ** 30, format: 'qcow2', backing: base }));
      await journal.done(diskRef, { backing: base.path });
    } else if (journal.get('volume', diskName)?.state !== 'created') {
      await journal.done(diskRef, { backing: base.path }, { adopted: !journal.get('volume', diskName), owned: true });
    }

    checkAbort(opts.signal);
    const domName = names.domain(clusterId, n.name);
    const domRef = { kind: 'domain', name: domName };
    const consoleLog = join(s.consoleLogDir ?? '/var/log/libvirt/qemu', `${domName}-console.log`);
    const dom = await getDomain(this.v, domName);
    if (!dom) {
      const xml = domainXml({
        domainType: s.domainType, name: domName, ns: NKD_XML_NS, clusterId, node: n.name, role: n.role,
        memoryMiB: n.memoryMiB, cpus: n.cpus, ignitionFile: ign.path, directBoot: s.directBoot ?? null,
        pool: s.pool.name, volume: diskName,
        bridge: s.network.mode === 'existing' && s.network.bridge ? s.network.bridge : null, network: s.network.name,
        mac: macOf(clusterId, n), consoleLog,
      });
      const file = await this.xmlFile(journal, `domain-${domName}`, xml);
      await journal.begin(domRef, { node: n.name });
      await this.v.run(['define', file]);
      await journal.done(domRef, { node: n.name, consoleLog });
    } else if (dom.clusterId !== clusterId || dom.node !== n.name) {
      throw usageError(`nodes.${n.name}: domain "${domName}" is not this cluster's node`, 'remove or rename that domain');
    } else if (journal.get('domain', domName)?.state !== 'created') {
      await journal.done(domRef, { node: n.name, consoleLog }, { adopted: !journal.get('domain', domName), owned: true });
    }
    if (!dom?.running) {
      checkAbort(opts.signal);
      await this.v.run(['start', domName]);
      opts.progress.ok(`node ${n.name} started (domain ${domName})`);
    }
    return {
      name: n.name, role: n.role, ip: n.ip, mac: macOf(clusterId, n),
      diagnostics: `serial console log ${consoleLog} on the libvirt host, or: virsh -c ${s.uri} console ${domName}`,
    };
  }
}
