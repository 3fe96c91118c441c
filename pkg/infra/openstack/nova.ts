/**
 * The Nova (compute v2.1, microversion 2.64) calls nkd makes: flavors, limits, server groups,
 * servers with tags, user data and a config drive, and the wait for ACTIVE that stops with
 * Nova's own fault text when a server goes to ERROR.
 */
import { checkAbort } from '../../abort.js';
import { ExitCode, NkdError } from '../../ui/errors.js';
import type { OpenStackApi } from './api.js';

/** A flavor. */
export interface Flavor { id: string; name: string; vcpus: number; ram: number; disk: number }
/** A server as nkd reads it. */
export interface Server {
  id: string;
  name: string;
  status: string;
  tags?: string[];
  metadata?: Record<string, string>;
  fault?: { message?: string; details?: string; code?: number };
  addresses?: Record<string, Array<{ addr: string }>>;
  'OS-EXT-STS:task_state'?: string | null;
}
/** A server group (2.64: one policy). */
export interface ServerGroup { id: string; name: string; policy?: string; members?: string[] }
/** One quota line of os-quota-sets/{project}/detail. */
export interface QuotaLine { limit: number; in_use: number; reserved?: number }

/** Every flavor the project may use. */
export async function listFlavors(api: OpenStackApi): Promise<Flavor[]> {
  return (await api.get<{ flavors: Flavor[] }>('compute', '/flavors/detail?is_public=None', 'list flavors')).flavors;
}

/** The project's compute quotas with what is in use. */
export async function computeQuotas(api: OpenStackApi, projectId: string): Promise<Record<string, QuotaLine>> {
  return (await api.get<{ quota_set: Record<string, QuotaLine> }>('compute', `/os-quota-sets/${projectId}/detail`, 'read the compute quotas')).quota_set;
}

/** Servers carrying a tag. */
export async function serversTagged(api: OpenStackApi, tag: string): Promise<Server[]> {
  return (await api.get<{ servers: Server[] }>('compute', `/servers/detail?tags=${encodeURIComponent(tag)}`, 'list servers')).servers;
}

/** Servers whose name is exactly `name`, or starts with it when `prefix` (Nova filters by regular expression). */
export async function serversNamed(api: OpenStackApi, name: string, prefix = false): Promise<Server[]> {
  const re = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${prefix ? '' : '$'}`;
  return (await api.get<{ servers: Server[] }>('compute', `/servers/detail?name=${encodeURIComponent(re)}`, `find server ${name}`)).servers;
}

/** One server; undefined when gone. */
export async function getServer(api: OpenStackApi, id: string, name: string): Promise<Server | undefined> {
  return (await api.find<{ server: Server }>('compute', `/servers/${id}`, `read server ${name}`))?.server;
}

/** The project's server groups. */
export async function listServerGroups(api: OpenStackApi): Promise<ServerGroup[]> {
  return (await api.get<{ server_groups: ServerGroup[] }>('compute', '/os-server-groups', 'list server groups')).server_groups;
}

/** Creates a soft-anti-affinity server group (control planes on different hosts where the cloud can). */
export async function createServerGroup(api: OpenStackApi, name: string): Promise<ServerGroup> {
  return (await api.post<{ server_group: ServerGroup }>('compute', '/os-server-groups', `create server group ${name}`, { server_group: { name, policy: 'soft-anti-affinity' } })).server_group;
}

/** What a server is created from. */
export interface ServerSpec {
  name: string;
  flavorId: string;
  imageId: string;
  portId: string;
  /** The node's first stage, raw (sent base64). */
  userData: Buffer;
  tag: string;
  metadata: Record<string, string>;
  availabilityZone?: string;
  serverGroupId?: string;
}

/** The POST /servers body of a spec (user data base64, config drive on, the port as its only NIC). */
export function serverBody(s: ServerSpec): Record<string, unknown> {
  return {
    server: {
      name: s.name, flavorRef: s.flavorId, imageRef: s.imageId,
      networks: [{ port: s.portId }],
      user_data: s.userData.toString('base64'),
      config_drive: true,
      tags: [s.tag],
      metadata: s.metadata,
      ...(s.availabilityZone ? { availability_zone: s.availabilityZone } : {}),
    },
    ...(s.serverGroupId ? { 'os:scheduler_hints': { group: s.serverGroupId } } : {}),
  };
}

/** Creates a server; returns its id. */
export async function createServer(api: OpenStackApi, s: ServerSpec): Promise<string> {
  return (await api.post<{ server: { id: string } }>('compute', '/servers', `create server ${s.name}`, serverBody(s))).server.id;
}

/** The message for a server in ERROR: Nova's fault, and where to look. */
export function serverErrorMessage(name: string, s: Pick<Server, 'fault'>): string {
  const f = s.fault;
  return `server ${name} went to ERROR: ${f?.message?.trim() || 'Nova gave no fault message'}${f?.code ? ` (fault code ${f.code})` : ''}`;
}

/** Polls a server until ACTIVE; ERROR stops with Nova's fault; bounded by `timeoutMs`. */
export async function waitActive(api: OpenStackApi, id: string, name: string, opts: { timeoutMs: number; pollMs: number; signal?: AbortSignal }): Promise<Server> {
  const end = Date.now() + opts.timeoutMs;
  let last = 'unknown';
  for (;;) {
    checkAbort(opts.signal);
    const s = await getServer(api, id, name);
    if (!s) throw new NkdError(`server ${name} (${id}) disappeared while nkd waited for it to become ACTIVE`, { hint: 're-run the deploy: nkd creates it again' });
    if (s.status === 'ACTIVE') return s;
    if (s.status === 'ERROR') {
      throw new NkdError(serverErrorMessage(name, s), {
        code: ExitCode.Failure,
        hint: `fix the cause (flavor, image, capacity of the cloud), then delete the server (openstack server delete ${id}) or run nkd destroy, and re-run the deploy; the journal is kept`,
      });
    }
    last = `${s.status}${s['OS-EXT-STS:task_state'] ? `/${s['OS-EXT-STS:task_state']}` : ''}`;
    if (Date.now() > end) {
      throw new NkdError(`server ${name} is not ACTIVE after ${Math.round(opts.timeoutMs / 1000)} s (last status ${last})`, { code: ExitCode.Timeout, hint: 'the cloud may be slow or short of capacity: look at the server (openstack server show), then re-run to resume' });
    }
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

/** Deletes a server and waits until Nova no longer lists it (its port is then free). */
export async function deleteServer(api: OpenStackApi, id: string, name: string, opts: { timeoutMs: number; pollMs: number }): Promise<boolean> {
  const existed = await api.delete('compute', `/servers/${id}`, `delete server ${name}`);
  const end = Date.now() + opts.timeoutMs;
  while (await getServer(api, id, name)) {
    if (Date.now() > end) throw new NkdError(`server ${name} is still there ${Math.round(opts.timeoutMs / 1000)} s after its deletion`);
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
  return existed;
}
