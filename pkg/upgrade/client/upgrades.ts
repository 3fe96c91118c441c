/**
 * The deployer's side of the upgrade API (what `nkd upgrade` uses): create or update an
 * Upgrade in a cluster, read it with its NodeUpgrades, follow it to its end through API
 * outages, and tell done from Degraded. Every failed call names the server, the kubeconfig
 * and the fix (api-errors.ts).
 */
import { ExitCode, NkdError, usageError } from '../../ui/errors.js';
import type { NodeUpgrade, Upgrade } from '../api/types.js';
import { Label } from '../api/vocabulary.js';
import { inClusterKubeconfig } from '../../kube/kubeconfig.js';
import { ClientNodeApi, isConflict } from '../kube/upgrade-api.js';
import { transientApiError, upgradeApiError, type ApiTarget } from './api-errors.js';

/**
 * A JSON merge patch that turns `current` into `desired`: keys missing from `desired` are set to
 * null (removed; the API server applies its defaults again), objects are merged key by key, and
 * arrays and scalars are replaced.
 */
export function mergePatchTo(current: unknown, desired: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(current) || !isObj(desired)) return desired;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(current)) if (!(k in desired)) out[k] = null;
  for (const [k, v] of Object.entries(desired)) out[k] = k in current ? mergePatchTo(current[k], v) : v;
  return out;
}

/** How long `nkd upgrade` keeps following while the API server does not answer. */
export const FOLLOW_OUTAGE_MS = 10 * 60_000;

/** Done, Degraded (as of the current generation), or still going. A Degraded Upgrade is never done. */
export function outcome(u: Upgrade): 'done' | 'degraded' | undefined {
  if (u.status?.observedGeneration !== u.metadata.generation) return undefined;
  const cond = (t: string) => u.status?.conditions?.find((c) => c.type === t);
  if (cond('Degraded')?.status === 'True') return 'degraded';
  if (cond('Available')?.status === 'True') return 'done';
  return undefined;
}

/** The error for a Degraded Upgrade: its reason and message, and what to do. */
export function degradedError(u: Upgrade): NkdError {
  const c = u.status?.conditions?.find((x) => x.type === 'Degraded');
  const hint = c?.reason === 'InvalidSpec'
    ? `fix the spec (kubectl edit upgrade ${u.metadata.name}, or delete it and run nkd upgrade again with a valid target)`
    : `fix the cause, then list the node in spec.retryNodes or spec.skipNodes (kubectl edit upgrade ${u.metadata.name})`;
  return new NkdError(`Upgrade ${u.metadata.name} is Degraded (${c?.reason}): ${c?.message}`, { hint });
}

/** What following an Upgrade reports. */
export interface FollowEvents {
  /** The Upgrade and its NodeUpgrades, at every look. */
  progress(u: Upgrade, records: NodeUpgrade[]): void;
  /** The API server stopped answering (once per outage; following goes on for FOLLOW_OUTAGE_MS). */
  outage(): void;
}

/** The Upgrades of one cluster, reached through a kubeconfig (the cluster directory's admin one). */
export class UpgradeClient {
  /** Where the calls go (for messages). */
  readonly target: ApiTarget;
  private readonly api: ClientNodeApi;

  constructor(kubeconfig: string) {
    const kc = inClusterKubeconfig(kubeconfig);
    this.target = { server: kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)', kubeconfig };
    this.api = new ClientNodeApi(kc, 'nkd');
  }

  /** Runs one API call, turning its failure into a message that names the server and the fix. */
  private async call<T>(what: string, p: () => Promise<T>): Promise<T> {
    try { return await p(); } catch (e) { throw upgradeApiError(what, e, this.target); }
  }

  /** The Upgrade `name`, if it exists. */
  get(name: string): Promise<Upgrade | undefined> {
    return this.call(`reading Upgrade ${name}`, () => this.api.getUpgrade(name));
  }

  /** Every Upgrade of the cluster. */
  list(): Promise<Upgrade[]> {
    return this.call('listing Upgrades', () => this.api.listUpgrades());
  }

  /** The NodeUpgrades of the Upgrade `name`. */
  records(name: string): Promise<NodeUpgrade[]> {
    return this.call(`listing the NodeUpgrades of ${name}`, () => this.api.listNodeUpgrades(`${Label.upgrade}=${name}`));
  }

  /**
   * Creates the Upgrade; with `update` (a manifest) an existing one is merge-patched into it
   * instead (read first: the API server checks the fields before it sees a name clash).
   */
  async apply(body: Upgrade, update: boolean): Promise<'created' | 'updated'> {
    const name = body.metadata.name;
    const cur = update ? await this.get(name) : undefined;
    if (cur) {
      const { apiVersion: _a, kind: _k, metadata: { name: _n, ...meta }, spec, ...other } = body;
      const patch = { ...other, metadata: { ...meta, labels: mergePatchTo(cur.metadata.labels ?? {}, body.metadata.labels ?? {}) }, spec: mergePatchTo(cur.spec, spec) };
      await this.call(`updating Upgrade ${name}`, () => this.api.patchUpgrade(name, patch));
      return 'updated';
    }
    try {
      await this.api.createUpgrade(body);
    } catch (e) {
      if (isConflict(e)) throw usageError(`Upgrade ${name} already exists`, 'pick another --name, or follow it with `nkd upgrade status`');
      throw upgradeApiError(`creating Upgrade ${name}`, e, this.target);
    }
    return 'created';
  }

  /**
   * Follows the Upgrade `name` until every node is at the target (resolves to it), it is
   * Degraded (throws its reason) or `signal` aborts (throws Interrupted: the rollout goes on).
   * The API server goes away while its own node reboots (all of it, with one control-plane
   * node): following goes on through an outage, within FOLLOW_OUTAGE_MS.
   */
  async follow(name: string, signal: AbortSignal, on: FollowEvents): Promise<Upgrade> {
    let outageSince: number | undefined;
    while (!signal.aborted) {
      let u: Upgrade | undefined;
      let records: NodeUpgrade[];
      try {
        u = await this.get(name);
        if (!u) throw new NkdError(`Upgrade ${name} was deleted`);
        records = await this.records(name);
      } catch (e) {
        if (!transientApiError(e, { credentialsWorked: true })) throw e;
        if (outageSince === undefined) on.outage();
        outageSince ??= Date.now();
        if (Date.now() - outageSince > FOLLOW_OUTAGE_MS) throw e;
        await new Promise((r) => setTimeout(r, 2000));
        continue;
      }
      outageSince = undefined;
      on.progress(u, records);
      const end = outcome(u);
      if (end === 'degraded') throw degradedError(u);
      if (end === 'done') return u;
      await new Promise((r) => setTimeout(r, 2000));
    }
    throw new NkdError('stopped following; the rollout continues in the cluster', { code: ExitCode.Interrupted, hint: 'resume watching with `nkd upgrade status`' });
  }
}
