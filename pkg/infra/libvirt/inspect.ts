import { NKD_XML_NS } from '../tag.js';
import { VirshError, type Virsh } from './virsh.js';

/**
 * Reads libvirt's live state through virsh and parses the few XML facts nkd compares
 * (libvirt's own XML output is regular; no XML library is needed for these lookups).
 */

/** A domain as libvirt has it. */
export interface LiveDomain {
  name: string;
  /** The nkd cluster id from the domain's metadata, if any. */
  clusterId?: string;
  node?: string;
  cpus: number;
  memoryMiB: number;
  running: boolean;
}
/** A network as libvirt has it. */
export interface LiveNetwork {
  name: string;
  bridge?: string;
  active: boolean;
  address?: string;
  netmask?: string;
  hosts: Array<{ mac: string; ip: string; name?: string }>;
}
/** A storage pool as libvirt has it. */
export interface LivePool {
  name: string;
  path?: string;
  active: boolean;
}
/** A volume as libvirt has it. */
export interface LiveVolume {
  name: string;
  path: string;
  capacityBytes: number;
  format?: string;
  backingPath?: string;
}

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}=['"]([^'"]*)['"]`).exec(tag)?.[1];
const firstTag = (xml: string, el: string): string | undefined => new RegExp(`<${el}(\\s[^>]*)?/?>`).exec(xml)?.[0];
const text = (xml: string, el: string): string | undefined => new RegExp(`<${el}(?:\\s[^>]*)?>([^<]*)</${el}>`).exec(xml)?.[1];

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof VirshError && e.notFound) return undefined;
    throw e;
  }
}

const lines = (out: string): string[] => out.split('\n').map((l) => l.trim()).filter(Boolean);

/** Names of every domain (running or not). */
export async function listDomains(v: Virsh): Promise<string[]> {
  return lines(await v.run(['list', '--all', '--name']));
}
/** Names of every network. */
export async function listNetworks(v: Virsh): Promise<string[]> {
  return lines(await v.run(['net-list', '--all', '--name']));
}
/** Names of every storage pool. */
export async function listPools(v: Virsh): Promise<string[]> {
  return lines(await v.run(['pool-list', '--all', '--name']));
}
/** Names of the volumes in a pool (empty when the pool does not exist or is inactive). */
export async function listVolumes(v: Virsh, pool: string): Promise<string[]> {
  let out: string | undefined;
  try {
    out = await orUndefined(v.run(['vol-list', '--pool', pool]));
  } catch (e) {
    if (e instanceof VirshError && /is not active/.test(e.stderr)) return [];
    throw e;
  }
  if (out === undefined) return [];
  return lines(out)
    .filter((l) => !/^Name\s+Path$/.test(l) && !/^-+$/.test(l))
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Parses a domain's XML. */
export function parseDomain(xml: string, running: boolean): LiveDomain {
  const meta = new RegExp(`<(\\w+:)?cluster\\s[^>]*xmlns(:\\w+)?=['"]${NKD_XML_NS.replace(/[.]/g, '\\.')}['"][^>]*>`).exec(xml)?.[0];
  const memTag = firstTag(xml, 'memory') ?? '';
  const memVal = Number(text(xml, 'memory') ?? '0');
  const unit = attr(memTag, 'unit') ?? 'KiB';
  const memoryMiB = unit === 'MiB' ? memVal : unit === 'GiB' ? memVal * 1024 : unit === 'KiB' ? memVal / 1024 : memVal / 1048576;
  return {
    name: text(xml, 'name') ?? '',
    clusterId: meta ? attr(meta, 'id') : undefined,
    node: meta ? attr(meta, 'node') : undefined,
    cpus: Number(text(xml, 'vcpu') ?? '0'),
    memoryMiB,
    running,
  };
}

/** One domain, or undefined when there is none of that name. */
export async function getDomain(v: Virsh, name: string): Promise<LiveDomain | undefined> {
  const xml = await orUndefined(v.run(['dumpxml', '--inactive', name]));
  if (xml === undefined) return undefined;
  const state = (await v.run(['domstate', name])).trim();
  return parseDomain(xml, state === 'running' || state === 'paused' || state === 'in shutdown');
}

/** One network, or undefined. */
export async function getNetwork(v: Virsh, name: string): Promise<LiveNetwork | undefined> {
  const xml = await orUndefined(v.run(['net-dumpxml', name]));
  if (xml === undefined) return undefined;
  const info = await v.run(['net-info', name]);
  const ipTag = firstTag(xml, 'ip');
  const hosts = [...xml.matchAll(/<host\s[^>]*>/g)].map((m) => ({ mac: attr(m[0], 'mac') ?? '', ip: attr(m[0], 'ip') ?? '', name: attr(m[0], 'name') }));
  return {
    name,
    bridge: attr(firstTag(xml, 'bridge') ?? '', 'name'),
    active: /^Active:\s+yes/m.test(info),
    address: ipTag ? attr(ipTag, 'address') : undefined,
    netmask: ipTag ? attr(ipTag, 'netmask') : undefined,
    hosts,
  };
}

/** One storage pool, or undefined. */
export async function getPool(v: Virsh, name: string): Promise<LivePool | undefined> {
  const xml = await orUndefined(v.run(['pool-dumpxml', name]));
  if (xml === undefined) return undefined;
  const info = await v.run(['pool-info', name]);
  return { name, path: text(xml, 'path'), active: /^State:\s+running/m.test(info) };
}

/** One volume of a pool, or undefined. */
export async function getVolume(v: Virsh, pool: string, name: string): Promise<LiveVolume | undefined> {
  const xml = await orUndefined(v.run(['vol-dumpxml', '--pool', pool, name]));
  if (xml === undefined) return undefined;
  const target = /<target>([\s\S]*?)<\/target>/.exec(xml)?.[1] ?? '';
  const backing = /<backingStore>([\s\S]*?)<\/backingStore>/.exec(xml)?.[1];
  return {
    name,
    path: text(target, 'path') ?? '',
    capacityBytes: Number(text(xml, 'capacity') ?? '0'),
    format: attr(firstTag(target, 'format') ?? '', 'type'),
    backingPath: backing ? text(backing, 'path') : undefined,
  };
}
