/**
 * What the OpenStack provider runs with, from the cluster file (deploy, extend) or from the
 * journal (destroy, status). The journal's record holds where to authenticate and what to
 * leave in place, never a secret: a password comes back from NKD_OPENSTACK_PASSWORD or the
 * clouds.yaml/secure.yaml entry, an application credential's secret from
 * NKD_OPENSTACK_APPLICATION_CREDENTIAL_SECRET or secure.yaml.
 */
import type { ClusterConfig, OpenStackPlatform } from '../../config/types.gen.js';
import { usageError } from '../../ui/errors.js';
import type { JsonObject } from '../platform.js';
import { securityGroupPlans, type GroupPlan } from './security-groups.js';

/** The subnet nkd creates when the cluster file has no spec.network (Neutron's DHCP hands out the addresses). */
export const DEFAULT_SUBNET_CIDR = '10.20.0.0/24';

/** Per-node settings the provider needs (from spec.nodes). */
export interface OsNodeSettings {
  name: string;
  role: 'control-plane' | 'worker';
  flavor?: string;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  availabilityZone?: string;
  floatingIp: boolean;
  ip?: string;
}

/** The OpenStack provider's settings. */
export interface OpenStackSettings {
  clusterId: string;
  /** spec.openstack's authentication fields (secrets only in memory, from the file or the environment). */
  auth: OpenStackPlatform;
  image?: string;
  imageFile?: string;
  /** A network the user gave (attached to, never deleted); else nkd creates one. */
  internalNetwork?: string;
  externalNetwork?: string;
  subnet: { cidr: string; gateway?: string; dns: string[] };
  /** The API endpoint's VIP (a port holding it, in the control planes' allowed address pairs). */
  vip?: { address: string; port: number };
  apiFloatingIp: boolean;
  groups: GroupPlan[];
  bootServer?: { address: string; port: number };
  nodes: OsNodeSettings[];
}

/** The settings of a resolved OpenStack cluster file. */
export function openstackSettings(config: ClusterConfig): OpenStackSettings {
  const o = config.spec.openstack;
  if (config.spec.platform !== 'openstack' || !o) throw usageError('spec.openstack: missing', 'add a spec.openstack section (cloud or authURL, image, bootServer) or choose another platform');
  const ep = config.spec.kubernetes.controlPlaneEndpoint;
  const net = config.spec.network;
  const defaults = config.spec.nodeDefaults;
  return {
    clusterId: config.metadata.name,
    auth: o,
    ...(o.image ? { image: o.image } : {}),
    ...(o.imageFile ? { imageFile: o.imageFile } : {}),
    ...(o.internalNetwork ? { internalNetwork: o.internalNetwork } : {}),
    ...(o.externalNetwork ? { externalNetwork: o.externalNetwork } : {}),
    subnet: net ? { cidr: net.cidr, gateway: net.gateway, dns: net.dnsServers } : { cidr: DEFAULT_SUBNET_CIDR, dns: [] },
    ...(ep.vip.enabled ? { vip: { address: ep.host, port: ep.port } } : {}),
    apiFloatingIp: o.apiFloatingIP ?? false,
    groups: securityGroupPlans(config),
    ...(o.bootServer ? { bootServer: { address: o.bootServer.address, port: o.bootServer.port ?? 9080 } } : {}),
    nodes: config.spec.nodes.map((n) => {
      const d = n.role === 'control-plane' ? defaults.controlPlane : defaults.worker;
      const flavor = n.openstack?.flavor ?? o.flavor;
      const az = n.openstack?.availabilityZone ?? o.availabilityZone;
      return {
        name: n.name, role: n.role,
        ...(flavor ? { flavor } : {}),
        cpus: n.cpus ?? d.cpus, memoryMiB: n.memoryMiB ?? d.memoryMiB, diskGiB: n.diskGiB ?? d.diskGiB,
        ...(az ? { availabilityZone: az } : {}),
        floatingIp: n.openstack?.floatingIP ?? false,
        ...(n.ip ? { ip: n.ip } : {}),
      };
    }),
  };
}

const AUTH_FIELDS = ['cloud', 'authURL', 'region', 'username', 'userDomain', 'project', 'projectDomain'] as const;

/** What the journal records: where to authenticate, what to keep; no password or credential secret. */
export function openstackJournalSettings(s: OpenStackSettings): JsonObject {
  const auth: JsonObject = {};
  for (const k of AUTH_FIELDS) if (s.auth[k] !== undefined) auth[k] = s.auth[k];
  if (s.auth.applicationCredential) auth.applicationCredentialId = s.auth.applicationCredential.id;
  return { auth, ...(s.internalNetwork ? { internalNetwork: s.internalNetwork } : {}), ...(s.externalNetwork ? { externalNetwork: s.externalNetwork } : {}) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Settings back from the journal (destroy, status); secrets from the environment or clouds.yaml. */
export function openstackFromJournal(r: JsonObject, file: string, env: Record<string, string | undefined> = process.env): OpenStackSettings {
  const a = typeof r.auth === 'object' && r.auth !== null && !Array.isArray(r.auth) ? r.auth : {};
  const auth: OpenStackPlatform = { apiAllowedCIDRs: [], sshAllowedCIDRs: [], apiFloatingIP: false } as unknown as OpenStackPlatform;
  for (const k of AUTH_FIELDS) {
    const v = str(a[k]);
    if (v) (auth as unknown as Record<string, string>)[k] = v;
  }
  if (!auth.cloud && !auth.authURL) throw usageError(`${file}: the OpenStack record names neither a cloud nor an auth URL`, 'give -f cluster.yaml to destroy with the cluster file\'s settings');
  if (env.NKD_OPENSTACK_PASSWORD) auth.password = env.NKD_OPENSTACK_PASSWORD;
  const acId = str(a.applicationCredentialId);
  if (acId) {
    const secret = env.NKD_OPENSTACK_APPLICATION_CREDENTIAL_SECRET;
    if (!secret) throw usageError(`${file}: this cluster was deployed with application credential ${acId} from the cluster file; its secret is not recorded`, 'set NKD_OPENSTACK_APPLICATION_CREDENTIAL_SECRET, or give -f cluster.yaml');
    auth.applicationCredential = { id: acId, secret };
  }
  return {
    clusterId: '', auth,
    ...(str(r.internalNetwork) ? { internalNetwork: str(r.internalNetwork) } : {}),
    ...(str(r.externalNetwork) ? { externalNetwork: str(r.externalNetwork) } : {}),
    subnet: { cidr: DEFAULT_SUBNET_CIDR, dns: [] }, apiFloatingIp: false, groups: [], nodes: [],
  };
}
