import type { ClusterConfig } from '../../config/types.gen.js';
import { usageError } from '../../ui/errors.js';
/** What the libvirt provider needs from the cluster file. */
export interface LibvirtSettings {
  uri: string;
  osImage: string;
  domainType: 'kvm' | 'qemu';
  network: { mode: 'nat' | 'existing'; name: string; bridge?: string; cidr: string; gateway: string };
  pool: { name: string; path: string };
}

/** The libvirt settings of a resolved cluster file. */
export function libvirtSettings(config: ClusterConfig): LibvirtSettings {
  const l = config.spec.libvirt;
  if (config.spec.platform !== 'libvirt' || !l) {
    throw usageError('spec.libvirt: missing', 'add a spec.libvirt section (uri, osImage, network, storagePool) or choose another platform');
  }
  return {
    uri: l.uri,
    osImage: l.osImage,
    domainType: l.domainType,
    network: { mode: l.network.mode, name: l.network.name, bridge: l.network.bridge, cidr: l.network.cidr, gateway: l.network.gateway },
    pool: { name: l.storagePool.name, path: l.storagePool.path },
  };
}
