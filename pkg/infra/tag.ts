import { createHash } from 'node:crypto';

/**
 * The cluster tag: every resource nkd creates carries its cluster id, so destroy can sweep
 * what the journal missed. Each provider stores it where its platform allows (libvirt: name
 * prefix plus a domain <metadata> element; OpenStack: resource tags and metadata).
 */

/** XML namespace of nkd's libvirt domain metadata element. */
export const NKD_XML_NS = 'https://nestos.openeuler.org/nkd/1';

/** Key of the tag where a platform has key/value tags (OpenStack metadata, labels). */
export const CLUSTER_TAG_KEY = 'nkd.nestos.openeuler.org/cluster';

/** The name prefix of every per-cluster resource: `<cluster>-`. */
export function resourcePrefix(clusterId: string): string {
  return `${clusterId}-`;
}

/** True when `name` carries the cluster's name prefix. */
export function hasClusterPrefix(name: string, clusterId: string): boolean {
  return name.startsWith(resourcePrefix(clusterId));
}

/**
 * A short device name derived from the cluster id (Linux bridges: at most 15 characters), so a
 * bridge nkd made is recognisable as this cluster's even without the journal.
 */
export function clusterBridgeName(clusterId: string): string {
  return 'nkd-' + createHash('sha256').update(clusterId).digest('hex').slice(0, 8);
}
