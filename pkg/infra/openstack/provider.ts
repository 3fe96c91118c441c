/**
 * The OpenStack provider: Keystone v3, then Glance, Neutron and Nova directly (no Terraform).
 * Per cluster: the NestOS image (found, or uploaded once), a network/subnet/router (or the
 * user's network), two security groups with group-to-group rules, a VIP port for the API
 * endpoint, a soft-anti-affinity server group for the control planes, and per node a port
 * (created first: its fixed IP is the only address the node's secret bundle is handed to) and
 * a server whose user data is the node's secret-free first stage, with a config drive.
 * Every resource has a deterministic name and the cluster tag, and is journaled before and
 * after. See docs/adr/0312-openstack-provider.md.
 */
import { ExitCode, NkdError } from '../../ui/errors.js';
import { mapLimit } from '../../worker-pool.js';
import { localAddresses, startSecretBundleServer } from '../boot-service.js';
import type { Journal } from '../journal.js';
import type { JsonObject } from '../platform.js';
import type { BootService, DesiredCluster, DesiredNode, DestroyReport, Host, Plan, Provider, ResourceStatus, RunOptions } from '../types.js';
import { OpenStackApi, type RetryPolicy } from './api.js';
import { ensureFloatingIp, ensureImage, ensureNetwork, ensurePort, ensureSecurityGroups, ensureServer, ensureServerGroup, type ApplyCtx, type ApplyWaits, type Facts } from './apply-steps.js';
import { resolveOpenStackAuth, type CloudsEnv } from './clouds.js';
import { clusterStatus, destroyCluster } from './destroy.js';
import { liveLookup } from './inventory.js';
import type { Port } from './neutron.js';
import { KeystoneSession } from './keystone.js';
import { clusterTag, osNames } from './names.js';
import { decideAll, wantedResources } from './plan.js';
import { preflightChecks } from './preflight.js';
import { openstackJournalSettings, type OpenStackSettings } from './settings.js';
import { readUserData } from './user-data.js';
import type { OpenStackNode } from '../../config/types.gen.js';

/** The provider name recorded in journals. */
export const OPENSTACK = 'openstack';

/** A node as the provider gets it: the cluster file's node with its size and openstack fields. */
export type OpenStackDesired = OpenStackNode & { cpus?: number; memoryMiB?: number; diskGiB?: number };

/** What the composition root or a test may hand the provider besides its settings. */
export interface OpenStackDeps {
  /** A session of the test's (default: from the resolved credentials). */
  session?: KeystoneSession;
  /** Where clouds.yaml is searched (default: the process's environment and home). */
  cloudsEnv?: CloudsEnv;
  retry?: RetryPolicy;
  waits?: Partial<ApplyWaits>;
  /** How long destroy waits for a server to go. */
  deleteWaitMs?: number;
}

/** Servers boot in minutes on a busy cloud; the fake driver in seconds. */
export const DEFAULT_WAITS: ApplyWaits = { activeMs: 15 * 60_000, pollMs: 2000 };


/** True when the image exists and is not one nkd uploaded (so the plan has no image of its own). */
const foreignImage = (f: Facts | undefined, tag: string): boolean => !!f?.image && !f.image.tags?.includes(tag);

/** The OpenStack provider (see the file comment). */
export class OpenStackProvider implements Provider<OpenStackDesired> {
  readonly name = OPENSTACK;
  private api?: OpenStackApi;
  private facts?: Facts;
  private readonly portIps = new Map<string, string>();
  private readonly waits: ApplyWaits;

  constructor(readonly s: OpenStackSettings, private readonly deps: OpenStackDeps = {}) {
    this.waits = { ...DEFAULT_WAITS, ...deps.waits };
  }

  journalSettings(): JsonObject {
    return openstackJournalSettings(this.s);
  }

  private tag(clusterId = this.s.clusterId): string {
    return clusterTag(clusterId);
  }

  /** Authenticates (once per provider); throws naming the credentials' source on refusal. */
  private async connect(): Promise<OpenStackApi> {
    if (this.api) return this.api;
    const session = this.deps.session ?? new KeystoneSession(await resolveOpenStackAuth(this.s.auth, this.deps.cloudsEnv));
    await session.currentToken();
    this.api = new OpenStackApi(session, this.deps.retry);
    return this.api;
  }

  async preflight(scope: 'connect' | 'deploy' = 'deploy', journal?: Journal): Promise<void> {
    const api = await this.connect();
    if (scope === 'connect') return;
    this.facts = await preflightChecks(api, this.s, this.tag(), journal);
  }

  offlinePlan(desired: DesiredCluster<OpenStackDesired>): Plan<OpenStackDesired> {
    const s = { ...this.s, clusterId: desired.clusterId };
    const items = wantedResources(s, desired.nodes, !s.imageFile).map((w) => ({
      kind: w.kind, name: w.name, action: w.external ? ('adopt' as const) : ('create' as const), reason: w.what, ...(w.node ? { node: w.node } : {}),
    }));
    return { provider: OPENSTACK, clusterId: desired.clusterId, items, desired, warnings: [] };
  }

  async plan(desired: DesiredCluster<OpenStackDesired>, journal: Journal): Promise<Plan<OpenStackDesired>> {
    // Nova's limit is checked on every node's first stage before anything is asked of the cloud.
    await readUserData(desired.nodes);
    await this.preflight('deploy', journal);
    const api = await this.connect();
    const tag = this.tag(desired.clusterId);
    const wanted = wantedResources({ ...this.s, clusterId: desired.clusterId }, desired.nodes, foreignImage(this.facts, tag));
    const live = await liveLookup(api, desired.clusterId, tag, wanted, journal);
    const { items, problems } = decideAll(wanted, live, (w) => journal.get(w.kind, w.name), tag);
    if (problems.length) {
      throw new NkdError(`${problems.length} OpenStack resource${problems.length > 1 ? 's conflict' : ' conflicts'} with the cluster; nothing was created`, {
        code: ExitCode.Usage, details: problems, hint: 'nkd adopts only resources tagged for this cluster (or recorded in its journal); it never takes over foreign ones',
      });
    }
    const warnings: string[] = [];
    for (const e of journal.entries()) {
      if (e.kind === 'server' && !desired.nodes.some((n) => osNames.server(desired.clusterId, n.name) === e.name)) {
        warnings.push(`server ${e.name} is no longer in the cluster file: nkd does not remove nodes; drain and delete it yourself, or put the node back in the file`);
      }
    }
    return { provider: OPENSTACK, clusterId: desired.clusterId, items, desired, warnings };
  }

  async serve(plan: Plan<OpenStackDesired>, opts: RunOptions): Promise<BootService> {
    const b = this.s.bootServer;
    if (!b) throw new NkdError('spec.openstack.bootServer: required to deploy (the nodes fetch their secret bundles from it)', { code: ExitCode.Usage, hint: 'set bootServer.address to this machine\'s address as the nodes reach it' });
    const creating = new Set(plan.items.filter((i) => i.kind === 'server' && i.action === 'create').map((i) => i.node));
    const nodes = plan.desired.nodes.filter((n) => creating.has(n.name) && n.secretBundle);
    // Behind NAT (a floating IP of this machine) the address the nodes reach is not one of ours: listen everywhere then.
    const host = localAddresses().includes(b.address) ? b.address : '0.0.0.0';
    if (host !== b.address) opts.progress.info(`boot service: ${b.address} is not an address of this machine; listening on all addresses, port ${b.port}`);
    return startSecretBundleServer({
      host, port: b.port, progress: opts.progress,
      // Only to the fixed IP of the node's own port, known once apply made the port (nothing before).
      bundles: nodes.map((n) => ({ node: n.name, file: n.secretBundle!.path, sha512: n.secretBundle!.sha512, clientIp: () => this.portIps.get(n.name) })),
    });
  }

  async apply(plan: Plan<OpenStackDesired>, journal: Journal, opts: RunOptions): Promise<Host[]> {
    const { desired } = plan;
    const userData = await readUserData(desired.nodes);
    if (!this.facts) await this.preflight('deploy', journal);
    const api = await this.connect();
    const s = { ...this.s, clusterId: desired.clusterId };
    const ctx: ApplyCtx = { api, s, tag: this.tag(desired.clusterId), journal, opts, facts: this.facts!, waits: this.waits, portIps: this.portIps };
    const limit = opts.concurrency ?? 4;
    const imageId = await ensureImage(ctx);
    const net = await ensureNetwork(ctx);
    const groups = await ensureSecurityGroups(ctx);
    const vipPort = s.vip ? await ensurePort(ctx, net, osNames.vipPort(s.clusterId), { ip: s.vip.address, groups: [groups['control-plane']!] }) : undefined;
    if (vipPort && s.apiFloatingIp) await ensureFloatingIp(ctx, osNames.vipFloatingIp(s.clusterId), vipPort);
    const serverGroup = desired.nodes.some((n) => n.role === 'control-plane') ? await ensureServerGroup(ctx) : undefined;
    // Ports first, those with a fixed IP before those Neutron picks an address for, so no
    // picked address takes one the cluster file gave another node.
    const byFixed = [...desired.nodes].sort((a, b) => Number(!a.ip) - Number(!b.ip));
    const ports = new Map<string, Port>();
    await mapLimit(byFixed, limit, async (n) => {
      const port = await ensurePort(ctx, net, osNames.port(s.clusterId, n.name), {
        node: n.name, groups: [groups[n.role]!],
        ...(n.ip ? { ip: n.ip } : {}),
        ...(n.role === 'control-plane' && s.vip ? { pairs: [s.vip.address] } : {}),
      });
      ports.set(n.name, port);
    }, opts.signal);
    await mapLimit(desired.nodes, limit, async (n) => {
      const own = s.nodes.find((x) => x.name === n.name);
      await ensureServer(ctx, { name: n.name, role: n.role, ...(own?.availabilityZone ? { availabilityZone: own.availabilityZone } : {}) }, ports.get(n.name)!.id, imageId, userData.get(n.name)!, serverGroup);
      if (own?.floatingIp) await ensureFloatingIp(ctx, osNames.floatingIp(s.clusterId, n.name), ports.get(n.name)!);
    }, opts.signal);
    return desired.nodes.map((n: DesiredNode<OpenStackDesired>) => {
      const ip = this.portIps.get(n.name) ?? n.ip;
      return { name: n.name, role: n.role, ...(ip ? { ip } : {}), diagnostics: `openstack console log show ${osNames.server(s.clusterId, n.name)}` };
    });
  }

  async destroy(journal: Journal, opts: RunOptions): Promise<DestroyReport> {
    const api = await this.connect();
    return destroyCluster(api, journal, this.tag(journal.clusterId), { ...opts, waits: { timeoutMs: this.deps.deleteWaitMs ?? 10 * 60_000, pollMs: this.waits.pollMs } });
  }

  async status(journal: Journal): Promise<ResourceStatus[]> {
    return clusterStatus(await this.connect(), journal, this.tag(journal.clusterId));
  }

  async close(): Promise<void> {}
}
