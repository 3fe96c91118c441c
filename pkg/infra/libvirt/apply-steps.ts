import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NkdError, usageError } from '../../ui/errors.js';
import { checkAbort } from '../../abort.js';
import type { Journal } from '../journal.js';
import { clusterBridgeName, NKD_XML_NS } from '../tag.js';
import type { DesiredCluster, DesiredNode, Host, RunOptions, NodeSize } from '../types.js';
import type { ImageInfo } from './image.js';
import { getDomain, getNetwork, getPool, getVolume, type LiveNetwork } from './inspect.js';
import { derivedMac, dhcpRange, names, netmask, parseCidr } from './names.js';
import type { LibvirtDeps } from './provider.js';
import type { LibvirtSettings } from './settings.js';
import type { Virsh } from './virsh.js';
import { dhcpHostXml, domainXml, networkXml, poolXml, volumeXml } from './xml.js';

/**
 * The libvirt provider's apply steps. Each re-reads live state and is idempotent: it adopts
 * what exists and is the cluster's, creates what is missing, and journals before and after.
 */

/** What every step needs. */
export interface StepContext {
  v: Virsh;
  s: LibvirtSettings;
  deps: LibvirtDeps;
}

/** A node's MAC: from the cluster file, or derived from the cluster and node names. */
export const macOf = (clusterId: string, n: DesiredNode<NodeSize>): string => (n.mac ?? derivedMac(clusterId, n.name)).toLowerCase();

/** DHCP host entries the network lacks for the desired nodes with a fixed IP. */
export function missingHosts(live: LiveNetwork, desired: DesiredCluster<NodeSize>): Array<{ mac: string; name: string; ip: string }> {
  const have = new Set(live.hosts.map((h) => h.mac.toLowerCase()));
  return desired.nodes
    .filter((n) => n.ip && !have.has(macOf(desired.clusterId, n)))
    .map((n) => ({ mac: macOf(desired.clusterId, n), name: n.name, ip: n.ip as string }));
}

/** Writes an XML document next to the journal (kept for forensics) and returns its path. */
async function xmlFile(journal: Journal, name: string, xml: string): Promise<string> {
  const dir = join(dirname(journal.file), 'libvirt');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}.xml`);
  await writeFile(file, xml, { mode: 0o600 });
  return file;
}

/** The cluster's network: created (NAT, DHCP hosts), missing DHCP hosts added, started. */
export async function ensureNetwork(c: StepContext, desired: DesiredCluster<NodeSize>, journal: Journal, opts: RunOptions): Promise<void> {
  const s = c.s;
  if (s.network.mode === 'existing') {
    if (!s.network.bridge) await journal.done({ kind: 'network', name: s.network.name }, {}, { adopted: true, owned: false });
    return;
  }
  checkAbort(opts.signal);
  const ref = { kind: 'network', name: s.network.name };
  const bridge = clusterBridgeName(desired.clusterId);
  let live = await getNetwork(c.v, s.network.name);
  const created = !live;
  if (!live) {
    const net = parseCidr(s.network.cidr);
    const range = dhcpRange(net);
    const hosts = desired.nodes.filter((n) => n.ip).map((n) => ({ mac: macOf(desired.clusterId, n), name: n.name, ip: n.ip as string }));
    const file = await xmlFile(journal, `network-${s.network.name}`, networkXml({
      name: s.network.name, bridge, gateway: s.network.gateway, netmask: netmask(net.prefix), rangeStart: range.start, rangeEnd: range.end, hosts,
    }));
    await journal.begin(ref, { bridge });
    await c.v.run(['net-define', file]);
    opts.progress.ok(`network ${s.network.name} defined (${s.network.cidr}, bridge ${bridge})`);
    live = await getNetwork(c.v, s.network.name);
    if (!live) throw new NkdError(`network ${s.network.name} vanished right after it was defined`);
  } else {
    for (const h of missingHosts(live, desired)) {
      checkAbort(opts.signal);
      const flags = live.active ? ['--live', '--config'] : ['--config'];
      await c.v.run(['net-update', s.network.name, 'add', 'ip-dhcp-host', dhcpHostXml(h), ...flags]);
      opts.progress.ok(`network ${s.network.name}: DHCP host ${h.name} ${h.ip}`);
    }
  }
  if (!live.active) await c.v.run(['net-start', s.network.name]);
  await c.v.run(['net-autostart', s.network.name]);
  await journal.done(ref, { bridge }, { adopted: !created && !journal.get('network', ref.name), owned: true });
}

/** The storage pool: defined, built and started, or adopted (not owned) when it existed. */
export async function ensurePool(c: StepContext, journal: Journal, opts: RunOptions): Promise<void> {
  checkAbort(opts.signal);
  const s = c.s;
  const ref = { kind: 'pool', name: s.pool.name };
  let live = await getPool(c.v, s.pool.name);
  const entry = journal.get('pool', s.pool.name);
  if (!live) {
    const file = await xmlFile(journal, `pool-${s.pool.name}`, poolXml({ name: s.pool.name, path: s.pool.path }));
    await journal.begin(ref, { path: s.pool.path });
    await c.v.run(['pool-define', file]);
    await c.v.run(['pool-build', s.pool.name]);
    opts.progress.ok(`storage pool ${s.pool.name} defined (${s.pool.path})`);
    live = { name: s.pool.name, path: s.pool.path, active: false };
    await journal.done(ref, { path: s.pool.path }, { adopted: false, owned: true });
  } else if (!entry) {
    opts.progress.info(`storage pool ${s.pool.name} exists: using it (destroy keeps it)`);
    await journal.done(ref, { path: s.pool.path }, { adopted: true, owned: false });
  } else if (entry.state === 'creating') {
    await journal.done(ref, { path: s.pool.path }, { adopted: false, owned: true });
  }
  if (!live.active) await c.v.run(['pool-start', s.pool.name]);
  await c.v.run(['pool-autostart', s.pool.name]);
}

/** Creates a volume from XML and uploads `file` into it (skipped where the driver has no uploads). */
async function createVolume(c: StepContext, journal: Journal, xmlName: string, xml: string, upload?: string): Promise<void> {
  const s = c.s;
  const file = await xmlFile(journal, xmlName, xml);
  await c.v.run(['vol-create', s.pool.name, file]);
  if (upload === undefined || !c.v.uploads) return;
  const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? '';
  await c.v.run(['vol-upload', '--pool', s.pool.name, name, upload]);
}

/** The base volume, uploaded once from the OS image (again if an upload was interrupted). */
export async function ensureBase(c: StepContext, clusterId: string, image: ImageInfo, journal: Journal, opts: RunOptions): Promise<{ path: string; format: 'qcow2' | 'raw' }> {
  checkAbort(opts.signal);
  const s = c.s;
  const name = names.base(clusterId, image.format);
  const ref = { kind: 'volume', name };
  let live = await getVolume(c.v, s.pool.name, name);
  const entry = journal.get('volume', name);
  if (live && entry && entry.state !== 'created') {
    opts.progress.warn(`base volume ${name} was left half-uploaded by an interrupted run: uploading it again`);
    await c.v.run(['vol-delete', '--pool', s.pool.name, name]);
    live = undefined;
  }
  if (!live) {
    await journal.begin(ref, { source: s.osImage });
    const t0 = performance.now();
    await createVolume(c, journal, `volume-${name}`, volumeXml({ name, capacityBytes: image.virtualBytes, format: image.format, backing: null }), s.osImage);
    live = await getVolume(c.v, s.pool.name, name);
    if (!live) throw new NkdError(`base volume ${name} vanished right after it was created`);
    await journal.done(ref, { path: live.path, format: image.format, source: s.osImage });
    opts.progress.ok(`base volume ${name} uploaded (${Math.ceil(image.fileBytes / 2 ** 20)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } else if (!entry) {
    opts.progress.info(`base volume ${name} exists: adopting it (its content is not compared with ${s.osImage})`);
    await journal.done(ref, { path: live.path, format: image.format }, { adopted: true, owned: true });
  }
  return { path: live.path, format: image.format };
}

/** One node: its Ignition volume, its overlay and its domain, started. */
export async function ensureNode(c: StepContext, clusterId: string, n: DesiredNode<NodeSize>, base: { path: string; format: 'qcow2' | 'raw' }, journal: Journal, opts: RunOptions): Promise<Host> {
  const s = c.s;

  checkAbort(opts.signal);
  const ignName = names.ignition(clusterId, n.name);
  const ignRef = { kind: 'volume', name: ignName };
  let ign = await getVolume(c.v, s.pool.name, ignName);
  const ignEntry = journal.get('volume', ignName);
  if (!ign || ignEntry?.state !== 'created' || ignEntry.attrs.sha512 !== n.ignitionSha512) {
    if (ign) await c.v.run(['vol-delete', '--pool', s.pool.name, ignName]);
    const bytes = (await readFile(n.ignitionPath)).length;
    await journal.begin(ignRef, { sha512: n.ignitionSha512 });
    await createVolume(c, journal, `volume-${ignName}`, volumeXml({ name: ignName, capacityBytes: bytes, format: 'raw', backing: null }), n.ignitionPath);
    ign = await getVolume(c.v, s.pool.name, ignName);
    if (!ign) throw new NkdError(`volume ${ignName} vanished right after it was created`);
    await journal.done(ignRef, { sha512: n.ignitionSha512, path: ign.path });
  }

  checkAbort(opts.signal);
  const diskName = names.disk(clusterId, n.name);
  const diskRef = { kind: 'volume', name: diskName };
  const disk = await getVolume(c.v, s.pool.name, diskName);
  if (!disk) {
    await journal.begin(diskRef);
    await createVolume(c, journal, `volume-${diskName}`, volumeXml({ name: diskName, capacityBytes: n.diskGiB * 2 ** 30, format: 'qcow2', backing: base }));
    await journal.done(diskRef, { backing: base.path });
  } else if (journal.get('volume', diskName)?.state !== 'created') {
    await journal.done(diskRef, { backing: base.path }, { adopted: !journal.get('volume', diskName), owned: true });
  }

  checkAbort(opts.signal);
  const domName = names.domain(clusterId, n.name);
  const domRef = { kind: 'domain', name: domName };
  const consoleLog = join(c.deps.consoleLogDir ?? '/var/log/libvirt/qemu', `${domName}-console.log`);
  const dom = await getDomain(c.v, domName);
  if (!dom) {
    const xml = domainXml({
      domainType: s.domainType, name: domName, ns: NKD_XML_NS, clusterId, node: n.name, role: n.role,
      memoryMiB: n.memoryMiB, cpus: n.cpus, ignitionFile: ign.path, directBoot: c.deps.kernelBoot ?? null,
      pool: s.pool.name, volume: diskName,
      bridge: s.network.mode === 'existing' && s.network.bridge ? s.network.bridge : null, network: s.network.name,
      mac: macOf(clusterId, n), consoleLog,
    });
    const file = await xmlFile(journal, `domain-${domName}`, xml);
    await journal.begin(domRef, { node: n.name });
    await c.v.run(['define', file]);
    await journal.done(domRef, { node: n.name, consoleLog });
  } else if (dom.clusterId !== clusterId || dom.node !== n.name) {
    throw usageError(`nodes.${n.name}: domain "${domName}" is not this cluster's node`, 'remove or rename that domain');
  } else if (journal.get('domain', domName)?.state !== 'created') {
    await journal.done(domRef, { node: n.name, consoleLog }, { adopted: !journal.get('domain', domName), owned: true });
  }
  if (!dom?.running) {
    checkAbort(opts.signal);
    await c.v.run(['start', domName]);
    opts.progress.ok(`node ${n.name} started (domain ${domName})`);
  }
  return {
    name: n.name, role: n.role, ip: n.ip, mac: macOf(clusterId, n),
    diagnostics: `serial console log ${consoleLog} on the libvirt host, or: virsh -c ${s.uri} console ${domName}`,
  };
}
