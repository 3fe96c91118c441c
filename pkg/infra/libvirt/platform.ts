/**
 * The libvirt platform: its part of the cluster file, its checks, and its provider (loaded
 * only when deploying). Nodes read their whole config through QEMU fw_cfg, which no other
 * guest and no pod can read, so the rendered `.ign` is the whole config.
 */
import type { JsonObject, Platform, PlatformProvider } from '../platform.js';
import type { LibvirtSettings } from './settings.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The journal's record: what destroy and status need without the cluster file. */
function toJournal(s: LibvirtSettings): JsonObject {
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
  return { settings: libvirtSettings, toJournal, fromJournal, open: (s) => new LibvirtProvider(s) };
}

/** The libvirt platform module. */
export const libvirtPlatform: Platform<LibvirtSettings> = {
  name: 'libvirt',
  description: 'libvirt: QEMU/KVM virtual machines on a local or remote libvirt host',
  schema: {},
  layered: [
    { path: ['spec', 'libvirt', 'uri'], flag: 'libvirt-uri', env: 'NKD_LIBVIRT_URI', type: 'string', description: 'libvirt connection URI (spec.libvirt.uri)' },
    { path: ['spec', 'libvirt', 'osImage'], flag: 'os-image', env: 'NKD_OS_IMAGE', type: 'string', description: 'NestOS qcow2 path (spec.libvirt.osImage)' },
  ],
  sizedNodes: true,
  boot: { kind: 'private', via: 'QEMU fw_cfg (opt/com.coreos/config)' },
  provider: providerHalf,
};

export { toJournal as libvirtJournalSettings, fromJournal as libvirtSettingsFromJournal };
