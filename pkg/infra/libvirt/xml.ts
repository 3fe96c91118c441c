import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { templatePath } from '../../paths.js';

/** Context of templates/libvirt/network.xml.hbs. */
export interface NetworkXml {
  name: string;
  bridge: string;
  gateway: string;
  netmask: string;
  rangeStart: string;
  rangeEnd: string;
  hosts: DhcpHostXml[];
}
/** Context of templates/libvirt/dhcp-host.xml.hbs (one fixed-IP DHCP entry). */
export interface DhcpHostXml {
  mac: string;
  name: string;
  ip: string;
}
/** Context of templates/libvirt/pool.xml.hbs. */
export interface PoolXml {
  name: string;
  path: string;
}
/** Context of templates/libvirt/volume.xml.hbs. */
export interface VolumeXml {
  name: string;
  capacityBytes: number;
  format: 'qcow2' | 'raw';
  backing: { path: string; format: 'qcow2' | 'raw' } | null;
}
/** A kernel booted directly by QEMU instead of the disk's boot loader (test guests). */
export interface DirectBoot {
  kernel: string;
  initrd: string;
  cmdline: string;
}
/** Context of templates/libvirt/domain.xml.hbs. */
export interface DomainXml {
  domainType: 'kvm' | 'qemu';
  name: string;
  ns: string;
  clusterId: string;
  node: string;
  role: string;
  memoryMiB: number;
  cpus: number;
  ignitionFile: string;
  directBoot: DirectBoot | null;
  pool: string;
  volume: string;
  /** Attach to this bridge device; null to attach to `network`. */
  bridge: string | null;
  network: string;
  mac: string;
  consoleLog: string;
}

const cache = new Map<string, Handlebars.TemplateDelegate>();

function render(file: string, context: object): string {
  let t = cache.get(file);
  if (!t) {
    t = Handlebars.compile(readFileSync(templatePath('libvirt', file), 'utf8'), { strict: true });
    cache.set(file, t);
  }
  return t(context);
}

/** The XML of a NAT network with DHCP host entries. */
export const networkXml = (c: NetworkXml): string => render('network.xml.hbs', c);
/** The XML of one DHCP host entry (for `net-update ... ip-dhcp-host`). */
export const dhcpHostXml = (c: DhcpHostXml): string => render('dhcp-host.xml.hbs', c).trim();
/** The XML of a directory storage pool. */
export const poolXml = (c: PoolXml): string => render('pool.xml.hbs', c);
/** The XML of a volume (an overlay when `backing` is set). */
export const volumeXml = (c: VolumeXml): string => render('volume.xml.hbs', c);
/** The XML of one node's domain. */
export const domainXml = (c: DomainXml): string => render('domain.xml.hbs', c);
