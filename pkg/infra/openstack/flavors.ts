/**
 * Which Nova flavor each node gets: the one the cluster file names (nodes[].openstack.flavor,
 * else spec.openstack.flavor), by ID or by a name no other flavor has; without one, the
 * smallest flavor that fits the node's cpus, memoryMiB and diskGiB. Pure.
 */
import type { Flavor } from './nova.js';
import type { OsNodeSettings } from './settings.js';

/** The flavor of a node, or the problem (a full sentence with the fix). */
export function chooseFlavor(n: OsNodeSettings, flavors: Flavor[], field: string): { flavor: Flavor } | { problem: string } {
  if (n.flavor) {
    const byId = flavors.find((f) => f.id === n.flavor);
    if (byId) return { flavor: byId };
    const named = flavors.filter((f) => f.name === n.flavor);
    if (named.length > 1) return { problem: `${field}: ${named.length} flavors are named "${n.flavor}" (${named.map((f) => f.id).join(', ')}); nkd does not pick one: give the flavor's ID` };
    if (named.length === 0) {
      return { problem: flavors.length ? `${field}: no flavor "${n.flavor}" (the project has ${flavors.map((f) => f.name).sort().join(', ')}); use one of those` : `${field}: no flavor "${n.flavor}": the project sees no flavor at all; ask the cloud's operators for one` };
    }
    return { flavor: named[0]! };
  }
  const fits = flavors
    .filter((f) => f.vcpus >= n.cpus && f.ram >= n.memoryMiB && (f.disk === 0 || f.disk >= n.diskGiB))
    .sort((a, b) => a.vcpus - b.vcpus || a.ram - b.ram || a.disk - b.disk || a.name.localeCompare(b.name));
  if (!fits[0]) {
    return { problem: `node ${n.name}: no flavor has ${n.cpus} vCPUs, ${n.memoryMiB} MiB and ${n.diskGiB} GiB of disk (the largest: ${largest(flavors)}); set ${field} or lower the node's size` };
  }
  return { flavor: fits[0] };
}

const largest = (flavors: Flavor[]): string => {
  const f = [...flavors].sort((a, b) => b.vcpus - a.vcpus || b.ram - a.ram)[0];
  return f ? `${f.name} with ${f.vcpus} vCPUs, ${f.ram} MiB, ${f.disk} GiB` : 'none';
};
