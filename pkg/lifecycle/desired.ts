import type { ClusterConfig } from '../config/types.gen.js';
import type { DesiredCluster } from '../infra/types.js';
import { NkdError } from '../ui/errors.js';
import type { RenderResult } from './render-port.js';

/** The provider's view of the cluster: the file's nodes and sizes with render's Ignition. */
export function desiredCluster(config: ClusterConfig, rendered: RenderResult): DesiredCluster {
  return {
    clusterId: config.metadata.name,
    nodes: config.spec.nodes.map((n) => {
      const r = rendered.nodes.find((x) => x.name === n.name);
      if (!r) throw new NkdError(`render wrote no Ignition for node ${n.name}`, { hint: 'this is a bug in nkd render; re-run with --log-level debug' });
      return {
        name: n.name, role: n.role, ip: n.ip, mac: n.mac, cpus: n.cpus, memoryMiB: n.memoryMiB, diskGiB: n.diskGiB,
        ignitionPath: r.ignitionPath, ignitionSha512: r.ignitionSha512,
      };
    }),
  };
}
