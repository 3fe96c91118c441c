/**
 * What `nkd upgrade`, `nkd upgrade status` and `nkd operator manifests` do: build and create
 * the Upgrade in the cluster of a cluster directory, follow it per node, print manifests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ApiException } from '@kubernetes/client-node';
import { ExitCode, NkdError, usageError } from '../../ui/errors.js';
import { networkCause, upgradeApiError, type ApiTarget } from './api-errors.js';
import { ClientNodeApi, isConflict } from '../kube/upgrade-api.js';
import { operatorManifests, type ManifestOptions } from '../install/manifests.js';
import { loadKubeConfig } from '../operator/operator.js';
import type { NodeUpgrade, Upgrade, UpgradeSpec } from '../api/types.js';
import { API_VERSION, Label } from '../api/vocabulary.js';

/** Output callbacks the command passes in. */
export interface CliOut {
  info(m: string): void; ok(m: string): void; warn(m: string): void; debug(m: string): void; print(t: string): void; json: boolean; result(v: unknown): void;
  /** Called once the cluster directory is known to be one (the command points its debug log there). */
  useDir?(dir: string): void;
}

/** Flags of `nkd upgrade`. */
export interface UpgradeFlags { osImage?: string; kubernetesVersion?: string; maxUnavailable?: string; name?: string; follow?: boolean; paused?: boolean; fromFile?: string }

/** The spec fields the flags set (target, budget, pause), naming the flag and the fix on bad input. */
function specFromFlags(f: UpgradeFlags): UpgradeSpec {
  if (f.osImage && !/^[^\s@]+@sha256:[a-f0-9]{64}$/.test(f.osImage)) {
    throw usageError(`--os-image: invalid value "${f.osImage}": the image must be pinned by digest`, 'use registry/repo@sha256:<64 hex digits> (see `skopeo inspect` for the digest)');
  }
  let kv = f.kubernetesVersion;
  if (kv && /^\d/.test(kv)) kv = `v${kv}`; // the cluster file writes 1.37.1, the API vX.Y.Z
  if (kv && !/^v\d+\.\d+\.\d+$/.test(kv)) throw usageError(`--kubernetes-version: invalid value "${f.kubernetesVersion}"`, 'use MAJOR.MINOR.PATCH with or without a leading v, for example 1.37.1 or v1.37.1');
  const spec: UpgradeSpec = {};
  if (f.maxUnavailable !== undefined) {
    if (/^\d+$/.test(f.maxUnavailable) && Number(f.maxUnavailable) >= 1) spec.maxUnavailable = Number(f.maxUnavailable);
    else if (/^([1-9][0-9]?|100)%$/.test(f.maxUnavailable)) spec.maxUnavailable = f.maxUnavailable;
    else throw usageError(`--max-unavailable: invalid value "${f.maxUnavailable}"`, 'use a count >= 1 or a percentage from 1% to 100%');
  }
  if (f.osImage) spec.osImage = f.osImage;
  if (kv) spec.kubernetesVersion = kv;
  if (f.paused) spec.paused = true;
  return spec;
}

/** Builds the Upgrade from flags, naming the flag and the fix on bad input. */
export function upgradeFromFlags(f: UpgradeFlags, now: Date = new Date()): Upgrade {
  if (!f.osImage && !f.kubernetesVersion) throw usageError('nothing to upgrade: no target given', 'pass --os-image <image@sha256:…> and/or --kubernetes-version X.Y.Z (or --from-file <upgrade.yaml>)');
  const spec = specFromFlags(f);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
  return { apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name: f.name ?? `upgrade-${stamp}` }, spec };
}

/**
 * Reads an Upgrade manifest (what a GitOps repository holds); flags given as well override its
 * target, budget, pause and name. Errors name the file and the field. Every field of the file
 * but status is kept, so that strict field validation sees a misspelt one (`sepc:`,
 * `metadata.lables`) instead of nkd dropping it.
 */
export function upgradeFromFile(path: string, f: UpgradeFlags): Upgrade {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(path, 'utf8'));
  } catch (e) {
    throw usageError(`--from-file: cannot read ${path}: ${(e as Error).message.split('\n')[0]}`, 'give the path of one Upgrade manifest in YAML or JSON');
  }
  const u = doc as Partial<Upgrade> | undefined;
  if (!u || typeof u !== 'object' || Array.isArray(u)) throw usageError(`${path}: not an object`, 'the file must hold one Upgrade (apiVersion, kind, metadata, spec)');
  if (u.apiVersion !== API_VERSION || u.kind !== 'Upgrade') {
    throw usageError(`${path}: apiVersion/kind: invalid value "${u.apiVersion}/${u.kind}"`, `use apiVersion: ${API_VERSION} and kind: Upgrade`);
  }
  const name = f.name ?? u.metadata?.name;
  if (!name) throw usageError(`${path}: metadata.name: missing`, 'name the Upgrade in the file or with --name');
  const spec = { ...(u.spec ?? {}), ...specFromFlags(f) } as UpgradeSpec;
  const { status: _status, ...rest } = u;
  // what the API server sets (a manifest saved with `kubectl get -o yaml` has them)
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, deletionTimestamp: _dt, ...meta } = (u.metadata ?? {}) as Upgrade['metadata'];
  delete (meta as Record<string, unknown>).managedFields;
  return { ...rest, apiVersion: API_VERSION, kind: 'Upgrade', metadata: { ...meta, name }, spec } as Upgrade;
}

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

function adminKubeconfig(dir: string | undefined): string {
  if (!dir) throw usageError('no cluster directory', 'pass --dir <clusterDir> (or set NKD_DIR)');
  const path = join(dir, 'auth', 'admin.conf');
  if (!existsSync(path)) throw usageError(`${path} does not exist: is ${dir} a deployed cluster directory?`, 'run `nkd deploy --dir <clusterDir>` first, or point --dir at the right directory');
  return path;
}

/** The API client of the cluster in `dir`, and where it points (for error messages). */
function connect(dir: string | undefined, out: CliOut): { api: ClientNodeApi; target: ApiTarget } {
  const kubeconfig = adminKubeconfig(dir);
  out.useDir?.(dir as string);
  const kc = loadKubeConfig(kubeconfig);
  const target = { server: kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)', kubeconfig };
  out.debug(`API server ${target.server} (kubeconfig ${kubeconfig})`);
  return { api: new ClientNodeApi(kc, 'nkd'), target };
}

/** Runs one API call of the CLI, turning its failure into a message that names the server and the fix. */
async function call<T>(what: string, target: ApiTarget, p: () => Promise<T>): Promise<T> {
  try { return await p(); } catch (e) { throw upgradeApiError(what, e, target); }
}

/** How long `nkd upgrade` keeps following while the API server does not answer. */
export const FOLLOW_OUTAGE_MS = 10 * 60_000;

/**
 * An error that says the API server is away for now (connection refused or reset, 5xx, 429 — a
 * starting API server answers "storage is (re)initializing"), not that the request is wrong. With `credentialsWorked` (they were accepted earlier in this run) a 401 or
 * 403 counts too: an API server that just restarted refuses everyone until its RBAC caches are
 * filled (seen on the real cluster after `kubeadm upgrade apply`).
 */
export function transientApiError(e: unknown, o: { credentialsWorked?: boolean } = {}): boolean {
  const cause = e instanceof NkdError ? e.cause : e;
  if (cause instanceof ApiException) return cause.code >= 500 || cause.code === 429 || (!!o.credentialsWorked && (cause.code === 401 || cause.code === 403));
  return networkCause(cause) !== undefined;
}

/** One line per node of an Upgrade; a pending node shows why it waits. */
export function progressLines(u: Upgrade, records: NodeUpgrade[]): string[] {
  const by = new Map(records.map((r) => [r.spec.nodeName, r]));
  const waits = new Map((u.status?.waiting ?? []).map((w) => [w.node, w]));
  const c = u.status?.counts;
  const head = `${u.metadata.name}: ${c?.succeeded ?? 0}/${c?.total ?? 0} done, ${c?.failed ?? 0} failed — ${u.status?.message ?? 'waiting for the operator'}`;
  const blocked = u.status?.blocked;
  const lines = [head];
  if (blocked) lines.push(`  blocked: ${blocked.node ? `${blocked.node}: ` : ''}${blocked.message} (${blocked.reason})`);
  return [...lines, ...(u.status?.plan ?? []).map((p) => {
    const r = by.get(p.node);
    const w = waits.get(p.node);
    const note = r?.status?.message ?? (w ? `${w.reason}: ${w.message}` : '');
    return `  ${p.node.padEnd(30)} ${p.stage.padEnd(14)} ${(r?.status?.phase ?? 'Pending').padEnd(12)} ${note}`;
  })];
}

/** Done, Degraded (as of the current generation), or still going. A Degraded Upgrade is never done. */
export function outcome(u: Upgrade): 'done' | 'degraded' | undefined {
  if (u.status?.observedGeneration !== u.metadata.generation) return undefined;
  const cond = (t: string) => u.status?.conditions?.find((c) => c.type === t);
  if (cond('Degraded')?.status === 'True') return 'degraded';
  if (cond('Available')?.status === 'True') return 'done';
  return undefined;
}

/** The error for a Degraded Upgrade: its reason and message, and what to do. */
function degradedError(u: Upgrade): NkdError {
  const c = u.status?.conditions?.find((x) => x.type === 'Degraded');
  const hint = c?.reason === 'InvalidSpec'
    ? `fix the spec (kubectl edit upgrade ${u.metadata.name}, or delete it and run nkd upgrade again with a valid target)`
    : `fix the cause, then list the node in spec.retryNodes or spec.skipNodes (kubectl edit upgrade ${u.metadata.name})`;
  return new NkdError(`Upgrade ${u.metadata.name} is Degraded (${c?.reason}): ${c?.message}`, { hint });
}

/** Creates the Upgrade (or, from a file, updates it) in the cluster of `dir` and, unless follow is false, follows it until done, degraded or interrupted. */
export async function runUpgrade(dir: string | undefined, f: UpgradeFlags, out: CliOut, signal: AbortSignal): Promise<void> {
  const body = f.fromFile ? upgradeFromFile(f.fromFile, f) : upgradeFromFlags(f);
  const name = body.metadata.name;
  const { api, target } = connect(dir, out);
  // A manifest updates its Upgrade if it exists (read first: the API server checks the fields before it sees a name clash).
  const cur = f.fromFile ? await call(`reading Upgrade ${name}`, target, () => api.getUpgrade(name)) : undefined;
  if (cur) {
    const { apiVersion: _a, kind: _k, metadata: { name: _n, ...meta }, spec, ...other } = body;
    const patch = { ...other, metadata: { ...meta, labels: mergePatchTo(cur.metadata.labels ?? {}, body.metadata.labels ?? {}) }, spec: mergePatchTo(cur.spec, spec) };
    await call(`updating Upgrade ${name}`, target, () => api.patchUpgrade(name, patch));
  } else {
    try {
      await api.createUpgrade(body);
    } catch (e) {
      if (isConflict(e)) throw usageError(`Upgrade ${name} already exists`, 'pick another --name, or follow it with `nkd upgrade status`');
      throw upgradeApiError(`creating Upgrade ${name}`, e, target);
    }
  }
  const created = !cur;
  out.ok(`${created ? 'created' : 'updated'} Upgrade ${name}`);
  if (f.follow === false) return;
  out.info('following it (Ctrl-C stops following; the rollout keeps running)');
  let last = '';
  let outageSince: number | undefined;
  while (!signal.aborted) {
    let u: Upgrade | undefined;
    let records: NodeUpgrade[];
    try {
      u = await call(`reading Upgrade ${name}`, target, () => api.getUpgrade(name));
      if (!u) throw new NkdError(`Upgrade ${name} was deleted`);
      records = await call(`listing the NodeUpgrades of ${name}`, target, () => api.listNodeUpgrades(`${Label.upgrade}=${name}`));
    } catch (e) {
      // The API server goes away while its own node reboots (all of it, with one control-plane
      // node): keep following through an outage, within a bound.
      if (!transientApiError(e, { credentialsWorked: true })) throw e;
      outageSince ??= Date.now();
      if (Date.now() - outageSince > FOLLOW_OUTAGE_MS) throw e;
      if (last !== 'outage') out.info(`the API server does not answer (a control-plane node rebooting?); following again when it does, for up to ${FOLLOW_OUTAGE_MS / 60_000} minutes`);
      last = 'outage';
      await new Promise((r) => setTimeout(r, 2000));
      continue;
    }
    outageSince = undefined;
    const text = progressLines(u, records).join('\n');
    if (text !== last && !out.json) out.print(text);
    last = text;
    const end = outcome(u);
    if (end === 'degraded') throw degradedError(u);
    if (end === 'done') { if (out.json) out.result(u.status); out.ok(`${name}: every node at the target`); return; }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new NkdError('stopped following; the rollout continues in the cluster', { code: ExitCode.Interrupted, hint: 'resume watching with `nkd upgrade status`' });
}

/** Prints every Upgrade (or one) with per-node progress; fails (exit 1) when one is Degraded. */
export async function upgradeStatus(dir: string | undefined, name: string | undefined, out: CliOut): Promise<void> {
  const { api, target } = connect(dir, out);
  const ups = name
    ? [await call(`reading Upgrade ${name}`, target, () => api.getUpgrade(name))].filter((u): u is Upgrade => !!u)
    : await call('listing Upgrades', target, () => api.listUpgrades());
  if (name && ups.length === 0) throw usageError(`Upgrade ${name} not found`, 'list them with `nkd upgrade status` (no name)');
  const degraded = ups.filter((u) => outcome(u) === 'degraded');
  if (out.json && degraded.length === 0) { out.result(ups.map((u) => ({ name: u.metadata.name, spec: u.spec, status: u.status }))); return; }
  if (!out.json) {
    if (ups.length === 0) { out.info('no Upgrades in this cluster'); return; }
    for (const u of ups) {
      const records = await call(`listing the NodeUpgrades of ${u.metadata.name}`, target, () => api.listNodeUpgrades(`${Label.upgrade}=${u.metadata.name}`));
      out.print(progressLines(u, records).join('\n'));
    }
  }
  if (degraded.length === 1) throw degradedError(degraded[0] as Upgrade);
  if (degraded.length > 1) {
    throw new NkdError(`${degraded.length} Upgrades are Degraded`, { details: degraded.map((u) => degradedError(u).message), hint: 'see each one with `nkd upgrade status <name>`' });
  }
}

/** The operator manifests as one multi-document YAML text. */
export function manifestsYaml(opts: ManifestOptions): string {
  return operatorManifests(opts).map((o) => yaml.dump(o, { noRefs: true, lineWidth: 120 })).join('---\n');
}
