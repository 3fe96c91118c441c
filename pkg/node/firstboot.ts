import type { ClusterNode } from '../config/types.gen.js';
import type { Unit } from '../ignition/types.js';
import { HOST } from '../host/paths.js';
import { renderNodeTemplate } from '../host/templates.js';
import type { HostFile } from '../host/file.js';
import type { NodeExtras } from './types.js';

/** What the first-boot chain needs to know. */
export interface FirstBootInput {
  /** The node. */
  node: ClusterNode;
  /** kubeadm init / join --control-plane / join. */
  action: NodeExtras['kubeadmAction'];
  /** The release image, `<ref>@sha256:<digest>`. */
  releaseImage: string;
  /** Runtime units to enable and start before kubeadm, in order. */
  services: string[];
  /** Whether this node runs pre-hook scripts. */
  prehooks: boolean;
  /** Switch kube-vip from super-admin.conf to admin.conf after a successful init. */
  switchKubeVip: boolean;
}

/** How often first boot tries kubeadm before it gives up and says so. */
const KUBEADM_MAX_ATTEMPTS = 5;

const COMMAND: Record<NodeExtras['kubeadmAction'], string> = { init: 'init', 'join-control-plane': 'join', join: 'join' };

/**
 * The first-boot units and their scripts: pivot (rebase + reboot), pre-hooks, kubeadm.
 * Each is a oneshot guarded by its success marker under /var/lib/nkd and retried on failure.
 */
export function firstBoot(i: FirstBootInput): { units: Unit[]; files: HostFile[] } {
  const units: Unit[] = [
    { name: 'nkd-pivot.service', enabled: true, contents: renderNodeTemplate('nkd-pivot.service', { marker: HOST.pivotMarker, script: HOST.pivotScript }) },
    {
      name: 'nkd-kubeadm.service',
      enabled: true,
      contents: renderNodeTemplate('nkd-kubeadm.service', {
        action: i.action,
        prehooks: i.prehooks,
        pivotMarker: HOST.pivotMarker,
        prehooksMarker: HOST.prehooksMarker,
        marker: HOST.kubeadmMarker,
        script: HOST.kubeadmScript,
      }),
    },
  ];
  const files: HostFile[] = [
    { path: HOST.pivotScript, mode: 0o755, contents: renderNodeTemplate('nkd-pivot.sh', { image: i.releaseImage, marker: HOST.pivotMarker, attempts: HOST.pivotAttempts }) },
    {
      path: HOST.kubeadmScript,
      mode: 0o755,
      contents: renderNodeTemplate('nkd-kubeadm.sh', {
        action: i.action,
        command: COMMAND[i.action],
        services: i.services,
        placed: HOST.kubeadmPlaced,
        maxAttempts: KUBEADM_MAX_ATTEMPTS,
        marker: HOST.kubeadmMarker,
        attempts: HOST.kubeadmAttempts,
        config: HOST.kubeadmConfig,
        switchKubeVip: i.switchKubeVip,
        kubeVipManifest: HOST.kubeVipManifest,
      }),
    },
  ];
  if (i.prehooks) {
    units.push({ name: 'nkd-prehooks.service', enabled: true, contents: renderNodeTemplate('nkd-prehooks.service', { pivotMarker: HOST.pivotMarker, marker: HOST.prehooksMarker, script: HOST.prehooksScript }) });
    files.push({ path: HOST.prehooksScript, mode: 0o755, contents: renderNodeTemplate('nkd-prehooks.sh', { dir: HOST.hooksDir, marker: HOST.prehooksMarker }) });
  }
  return { units, files };
}
