/**
 * What the bare-metal provider runs with: where nkd's boot service listens, the boot chain, and
 * (from the cluster file only, for deploy) the iPXE chain of every host. The journal records
 * the addresses alone: destroy and status need no live images and no BMC.
 */
import type { ClusterConfig } from '../../config/types.gen.js';
import { usageError } from '../../ui/errors.js';
import type { JsonObject } from '../platform.js';
import { ipxeBootFrom, type IpxeBoot } from './ipxe.js';
import { needsLiveInstaller, sshLoginFrom, sshNodesFrom, type SshLogin, type SshNode } from './ssh-nodes.js';

/** Where the iPXE binaries of `boot: pxe` are served from over TFTP (Debian's `ipxe` package). */
export const DEFAULT_TFTP_ROOT = '/usr/lib/ipxe';

/** The bare-metal provider's settings. */
export interface BareMetalSettings {
  httpAddress: string;
  httpPort: number;
  boot: 'pxe' | 'ipxe';
  tftp?: { address: string; port: number; root: string };
  /** The hosts' iPXE chain; absent when read back from the journal (destroy, status) or when every host is existing. */
  ipxe?: IpxeBoot;
  /** The hosts reached over SSH (provision: existing or convert), from the cluster file only. */
  sshNodes?: SshNode[];
  /** How nkd logs in to them. */
  sshLogin?: SshLogin;
  /** The Kubernetes version and runtime an existing host must have (its preflight). */
  cluster?: { kubernetesVersion: string; runtime: ClusterConfig['spec']['containerRuntime']['type'] };
}

/** The settings of a resolved bare-metal cluster file (every iPXE value checked). */
export function bareMetalSettings(config: ClusterConfig, baseDir?: string): BareMetalSettings {
  const b = config.spec.baremetal;
  if (config.spec.platform !== 'baremetal' || !b) {
    throw usageError('spec.baremetal: missing', 'add a spec.baremetal section (httpAddress, kernelURL, initrdURL, rootfsURL) or choose another platform');
  }
  if (!b.httpAddress) throw usageError('spec.baremetal.httpAddress: required field is missing', 'set the address of this machine that the hosts reach to fetch their boot configs');
  return {
    httpAddress: b.httpAddress,
    httpPort: b.httpPort,
    boot: b.boot,
    ...(b.boot === 'pxe' ? { tftp: { address: b.tftpAddress ?? b.httpAddress, port: b.tftpPort, root: DEFAULT_TFTP_ROOT } } : {}),
    ...(needsLiveInstaller(config) ? { ipxe: ipxeBootFrom(config) } : {}),
    sshNodes: sshNodesFrom(config),
    ...(sshLoginFrom(config, baseDir) ? { sshLogin: sshLoginFrom(config, baseDir) } : {}),
    cluster: { kubernetesVersion: config.spec.kubernetes.version, runtime: config.spec.containerRuntime.type },
  };
}

/** What the journal records (no secret, no image URL). */
export function bareMetalJournalSettings(s: BareMetalSettings): JsonObject {
  return { httpAddress: s.httpAddress, httpPort: s.httpPort, boot: s.boot };
}

/** The settings back from the journal record. */
export function bareMetalFromJournal(r: JsonObject): BareMetalSettings {
  return {
    httpAddress: typeof r.httpAddress === 'string' ? r.httpAddress : '',
    httpPort: typeof r.httpPort === 'number' ? r.httpPort : 9080,
    boot: r.boot === 'pxe' ? 'pxe' : 'ipxe',
  };
}
