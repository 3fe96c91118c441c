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

/** The libvirt settings of a resolved cluster file; the NAT network's addresses come from spec.network. */
export function libvirtSettings(config: ClusterConfig): LibvirtSettings {
  const l = config.spec.libvirt;
  if (config.spec.platform !== 'libvirt' || !l) {
    throw usageError('spec.libvirt: missing', 'add a spec.libvirt section (uri, osImage, network, storagePool) or choose another platform');
  }
  const net = config.spec.network;
  if (!net) throw usageError('spec.network: missing', 'add spec.network with the cidr of the NAT network nkd creates, e.g. cidr: 192.168.132.0/24');
  return {
    uri: l.uri,
    osImage: l.osImage,
    domainType: l.domainType,
    network: { mode: l.network.mode, name: l.network.name, bridge: l.network.bridge, cidr: net.cidr, gateway: net.gateway },
    pool: { name: l.storagePool.name, path: l.storagePool.path },
  };
}
