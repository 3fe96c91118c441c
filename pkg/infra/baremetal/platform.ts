/**
 * The bare-metal platform: its part of the cluster file and its checks. Hosts PXE/iPXE-boot
 * from nkd's boot service; what is served before a host is known may be read by anyone on the
 * segment, so the served config is a secret-free first stage and the secret bundle is handed
 * to that host only, once. Its provider is not built yet: render works, deploy says so.
 */
import { secretBundleUrl } from '../boot-path.js';
import type { Platform } from '../platform.js';

/** The bare-metal platform module. */
export const baremetalPlatform: Platform = {
  name: 'baremetal',
  description: 'bare metal: PXE/iPXE boot served by nkd, then SSH',
  schema: {},
  sizedNodes: false,
  boot: {
    kind: 'two-stage',
    via: 'nkd\'s boot service (PXE/iPXE)',
    secondStageSource: (c, n) => secretBundleUrl(c.spec.baremetal?.httpAddress ?? '', c.spec.baremetal?.httpPort ?? 9080, n.name),
  },
};
