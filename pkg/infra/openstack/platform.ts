/**
 * The OpenStack platform: its part of the cluster file and its checks. Nova user data is
 * readable by every pod through the metadata service, so nodes get a secret-free first stage
 * there and fetch their secret bundle from nkd's boot service (spec.openstack.bootServer),
 * once. Its provider is not built yet: render works, deploy says so.
 */
import { OPENSTACK_USER_DATA_MAX_RAW } from '../../ignition/size.js';
import { secretBundleUrl } from '../boot-path.js';
import type { Platform } from '../platform.js';

/** The OpenStack platform module. */
export const openstackPlatform: Platform = {
  name: 'openstack',
  description: 'OpenStack: Nova servers on Neutron networks, NestOS from Glance',
  schema: {},
  layered: [
    { path: ['spec', 'openstack', 'password'], env: 'NKD_OPENSTACK_PASSWORD', type: 'string', description: 'OpenStack password (spec.openstack.password; no flag, to keep it out of shell history)' },
    { path: ['spec', 'openstack', 'cloud'], flag: 'openstack-cloud', env: 'NKD_OPENSTACK_CLOUD', type: 'string', description: 'clouds.yaml entry (spec.openstack.cloud)' },
  ],
  sizedNodes: true,
  boot: {
    kind: 'two-stage',
    via: 'Nova user data',
    firstStageLimit: OPENSTACK_USER_DATA_MAX_RAW,
    secondStageSource: (c, n) => secretBundleUrl(c.spec.openstack?.bootServer?.address ?? '', c.spec.openstack?.bootServer?.port ?? 9080, n.name),
  },
};
