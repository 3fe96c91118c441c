import { formatIPv4, nthAddress, parseCidr } from './net.js';
import { pauseTagFor } from './versions.js';
import { platformNamed } from '../infra/registry.js';
import type { ClusterConfig, NodeNetwork } from './types.gen.js';
import { LOCAL_IMAGE_REPOSITORY, operatorImage } from '../version.js';

/** The upstream registry of Kubernetes images, which holds no nkd image. */
const UPSTREAM_REGISTRY = 'registry.k8s.io';

/**
 * The operator image a deploy installs: spec.upgradeOperator.image, else
 * `<kubernetes.imageRepository>/nkd-operator:<nkd version>`, or localhost/… while the
 * repository is the upstream registry.k8s.io (which holds no nkd image).
 */
export function operatorImageOf(c: ClusterConfig): string {
  const repo = c.spec.kubernetes.imageRepository;
  return c.spec.upgradeOperator.image ?? operatorImage(repo === UPSTREAM_REGISTRY ? LOCAL_IMAGE_REPOSITORY : repo);
}

/**
 * Fills the fields the schema marks `x-filled` from other fields, after defaults are in.
 * Runs only on a document whose shape is valid. Pure: returns nothing, mutates `c`.
 */
export function fillDerived(c: ClusterConfig): void {
  const s = c.spec;
  s.kubernetes.version = s.kubernetes.version.replace(/^v/, '');
  for (const n of s.nodes) {
    const d = n.role === 'control-plane' ? s.nodeDefaults.controlPlane : s.nodeDefaults.worker;
    n.cpus ??= d.cpus;
    n.memoryMiB ??= d.memoryMiB;
    n.diskGiB ??= d.diskGiB;
  }
  // Only a platform whose network nkd makes has a default (libvirt's NAT network): elsewhere a
  // guessed network would be wrong, so spec.network stays absent.
  const platform = platformNamed(s.platform);
  const defaultCidr = platform.nodeNetwork?.defaultCidr;
  if (defaultCidr) s.network ??= { cidr: defaultCidr } as NodeNetwork;
  if (s.network) {
    const cidr = parseCidr(s.network.cidr);
    if (typeof cidr !== 'string') s.network.gateway ??= formatIPv4(nthAddress(cidr, 1));
    if (s.network.gateway !== undefined) s.network.dnsServers ??= [s.network.gateway];
  }
  platform.fillDerived?.(c);
  const firstCp = s.nodes.find((n) => n.role === 'control-plane');
  if (s.kubernetes.controlPlaneEndpoint.host === undefined && firstCp?.ip && !s.kubernetes.controlPlaneEndpoint.vip.enabled) {
    s.kubernetes.controlPlaneEndpoint.host = firstCp.ip;
  }
  s.os.cgroupVersion ??= s.os.ignitionVersion === '3.2.0' ? 'v1' : 'v2';
  s.kubernetes.pauseImage ??= `${s.kubernetes.imageRepository}/pause:${pauseTagFor(s.kubernetes.version)}`;
}
