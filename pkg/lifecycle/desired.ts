import type { ClusterConfig } from '../config/types.gen.js';
import { platformOf } from '../infra/registry.js';
import type { DesiredCluster, DesiredNode } from '../infra/types.js';
import { NkdError } from '../ui/errors.js';
import type { RenderResult } from './render-port.js';

/**
 * The provider's view of a cluster-file node: the common fields, the size when the platform
 * sizes machines, and the node's `nodes[].<platform>` section.
 */
export function desiredNodeFields(config: ClusterConfig, n: ClusterConfig['spec']['nodes'][number]): Omit<DesiredNode<object>, 'ignitionPath' | 'ignitionSha512'> {
  const p = platformOf(config);
  const own = (n as unknown as Record<string, unknown>)[p.name];
  return {
    name: n.name, role: n.role,
    ...(n.ip ? { ip: n.ip } : {}),
    ...(n.mac ? { mac: n.mac } : {}),
    ...(p.sizedNodes ? { cpus: n.cpus, memoryMiB: n.memoryMiB, diskGiB: n.diskGiB } : {}),
    ...(own !== undefined && typeof own === 'object' ? (own as object) : {}),
  };
}

/** The provider's view of the cluster: the file's nodes with render's configs. */
export function desiredCluster(config: ClusterConfig, rendered: RenderResult): DesiredCluster<object> {
  return {
    clusterId: config.metadata.name,
    nodes: config.spec.nodes.map((n) => {
      const r = rendered.nodes.find((x) => x.name === n.name);
      if (!r) throw new NkdError(`render wrote no Ignition for node ${n.name}`, { hint: 'this is a bug in nkd render; re-run with --log-level debug' });
      return {
        ...desiredNodeFields(config, n),
        ignitionPath: r.ignitionPath, ignitionSha512: r.ignitionSha512,
        ...(r.secretBundle ? { secretBundle: r.secretBundle } : {}),
        ...(r.sshHostKey ? { sshHostKey: r.sshHostKey } : {}),
      };
    }),
  };
}
