/**
 * The libvirt platform: its part of the cluster file, its checks, and its provider (loaded
 * only when deploying). Nodes read their whole config through QEMU fw_cfg, which no other
 * guest and no pod can read, so the rendered `.ign` is the whole config.
 */
import type { JsonObject, Platform, PlatformProvider } from '../platform.js';
import type { LibvirtSettings } from './settings.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The journal's record of libvirt settings: what destroy and status need without the cluster file. */
export function libvirtJournalSettings(s: LibvirtSettings): JsonObject {
  return { uri: s.uri, network: { name: s.network.name, mode: s.network.mode }, pool: { name: s.pool.name, path: s.pool.path } };
}

/** Settings back from the journal; also reads the flat record of journals written before nkd 0.2. */
function fromJournal(r: JsonObject): LibvirtSettings {
  const net = typeof r.network === 'object' && r.network !== null && !Array.isArray(r.network) ? r.network : { name: r.network ?? null, mode: r.networkMode ?? null };
  const pool = typeof r.pool === 'object' && r.pool !== null && !Array.isArray(r.pool) ? r.pool : { name: r.pool ?? null, path: r.poolPath ?? null };
  return {
    uri: str(r.uri) ?? 'qemu:///system',
    osImage: '',
    domainType: 'kvm',
    network: { mode: net.mode === 'existing' ? 'existing' : 'nat', name: str(net.name) ?? '', cidr: '', gateway: '' },
    pool: { name: str(pool.name) ?? '', path: str(pool.path) ?? '' },
  };
}

async function providerHalf(): Promise<PlatformProvider<LibvirtSettings>> {
  const [{ LibvirtProvider }, { libvirtSettings }] = await Promise.all([import('./provider.js'), import('./settings.js')]);
  return { settings: libvirtSettings, fromJournal, open: (s) => new LibvirtProvider(s) };
}

/** The node network of a libvirt cluster whose file sets no spec.network: the NAT network nkd creates. */
export const LIBVIRT_DEFAULT_CIDR = '192.168.132.0/24';

/** The libvirt platform module. */
export const libvirtPlatform: Platform<LibvirtSettings> = {
  name: 'libvirt',
  description: 'libvirt: QEMU/KVM virtual machines on a local or remote libvirt host',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['osImage'],
    description: 'libvirt platform settings (platform: libvirt).',
    properties: {
      uri: { type: 'string', default: 'qemu:///system', description: 'libvirt connection URI.' },
      osImage: { type: 'string', minLength: 1, description: 'Path of the NestOS qcow2 image uploaded once as the base volume.' },
      domainType: { type: 'string', enum: ['kvm', 'qemu'], default: 'kvm', description: 'kvm for hardware virtualisation, qemu for software emulation.' },
      network: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description: 'The libvirt network the nodes are attached to; its addresses are spec.network (cidr, gateway).',
        properties: {
          mode: { type: 'string', enum: ['nat', 'existing'], default: 'nat', description: 'nat: nkd creates a NAT network with DHCP host entries; existing: attach to a network or bridge that exists.' },
          name: { type: 'string', 'x-filled': true, pattern: '^[A-Za-z0-9_.-]+$', description: 'Network name (default: nkd-<cluster name>).' },
          bridge: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,15}$', description: 'Bridge device to attach to instead of a libvirt network (mode: existing).' },
        },
      },
      storagePool: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description: 'Directory storage pool for the base and node volumes.',
        properties: {
          name: { type: 'string', 'x-filled': true, pattern: '^[A-Za-z0-9_.-]+$', description: 'Pool name (default: nkd-<cluster name>).' },
          path: { type: 'string', 'x-filled': true, description: 'Pool directory (default: /var/lib/libvirt/images/nkd-<cluster name>).' },
        },
      },
    },
  },
  typeNames: { section: 'LibvirtPlatform', nested: { '/properties/network': 'LibvirtNetwork', '/properties/storagePool': 'LibvirtStoragePool' } },
  movedFields: {
    'spec.libvirt.network.cidr': 'spec.network.cidr',
    'spec.libvirt.network.gateway': 'spec.network.gateway',
  },
  nodeNetwork: { defaultCidr: LIBVIRT_DEFAULT_CIDR },
  fillDerived(c) {
    const l = c.spec.libvirt;
    if (!l) return;
    const name = c.metadata.name;
    l.network.name ??= `nkd-${name}`;
    l.storagePool.name ??= `nkd-${name}`;
    l.storagePool.path ??= `/var/lib/libvirt/images/nkd-${name}`;
  },
  validate(c, p) {
    const n = c.spec.libvirt!.network;
    if (n.mode === 'existing' && n.bridge === undefined && n.name === `nkd-${c.metadata.name}`) {
      p.warn('spec.libvirt.network.name', 'mode is existing but no network name or bridge is given; nkd will look for a network called ' + n.name, 'set network.name or network.bridge');
    }
    if (c.spec.network?.vlan !== undefined && n.mode === 'nat') {
      p.error('spec.network.vlan', 'libvirt\'s NAT network carries no VLAN tags', 'remove vlan, or attach to a bridge that carries the VLAN (spec.libvirt.network.mode: existing)');
    }
  },
  template: {
    cidr: LIBVIRT_DEFAULT_CIDR,
    networkNote: 'the node network: static address, gateway, DNS',
    bindingHints: false,
    macNote: '',
    section: () => [
      '  libvirt:',
      '    uri: qemu:///system',
      '    osImage: /var/lib/nkd/images/nestos.qcow2   # the NestOS qcow2; uploaded once as the base volume',
      '    domainType: kvm                  # qemu: software emulation where KVM is unavailable',
      '    network:',
      '      mode: nat                      # nkd creates this network (spec.network.cidr) with DHCP reservations',
      '    # storagePool: { name: nkd-demo, path: /var/lib/libvirt/images/nkd-demo }',
    ],
  },
  layered: [
    { path: ['spec', 'libvirt', 'uri'], flag: 'libvirt-uri', env: 'NKD_LIBVIRT_URI', type: 'string', description: 'libvirt connection URI (spec.libvirt.uri)' },
    { path: ['spec', 'libvirt', 'osImage'], flag: 'os-image', env: 'NKD_OS_IMAGE', type: 'string', description: 'NestOS qcow2 path (spec.libvirt.osImage)' },
  ],
  sizedNodes: true,
  boot: { kind: 'private', via: 'QEMU fw_cfg (opt/com.coreos/config)' },
  provider: providerHalf,
};

