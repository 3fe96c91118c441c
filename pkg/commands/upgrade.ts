/**
 * `nkd upgrade` and `nkd upgrade status`: the flags become an Upgrade (or a manifest is read),
 * the cluster directory gives the admin kubeconfig, pkg/upgrade/client creates and follows the
 * Upgrade, and this prints its progress, one line per node.
 */
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ClusterDir } from '../cluster-dir.js';
import { NkdError, usageError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';
import type { NodeUpgrade, Upgrade, UpgradeSpec } from '../upgrade/api/types.js';
import { API_VERSION } from '../upgrade/api/vocabulary.js';
import { FOLLOW_OUTAGE_MS, UpgradeClient, degradedError, outcome } from '../upgrade/client/upgrades.js';

/** What the upgrade commands get from the CLI: output, the --dir/NKD_DIR cluster directory, the interrupt signal. */
export interface UpgradeCommandContext { ui: Ui; dir?: string; signal: AbortSignal }

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
function upgradeFromFile(path: string, f: UpgradeFlags): Upgrade {
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

/** The client of the cluster in `dir` (its auth/admin.conf); the debug log moves into `dir` once it is known to be one. */
function connect(c: UpgradeCommandContext): UpgradeClient {
  const dir = c.dir;
  if (!dir) throw usageError('no cluster directory', 'pass --dir <clusterDir> (or set NKD_DIR)');
  const kubeconfig = new ClusterDir(dir).adminKubeconfig;
  if (!existsSync(kubeconfig)) throw usageError(`${kubeconfig} does not exist: is ${dir} a deployed cluster directory?`, 'run `nkd deploy --dir <clusterDir>` first, or point --dir at the right directory');
  c.ui.log.useClusterDir(dir);
  const client = new UpgradeClient(kubeconfig);
  c.ui.debug(`API server ${client.target.server} (kubeconfig ${kubeconfig})`);
  return client;
}

/** One line per node of an Upgrade; a pending node shows why it waits. */
function progressLines(u: Upgrade, records: NodeUpgrade[]): string[] {
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

/** `nkd upgrade`: creates the Upgrade (or, from a file, updates it) and, unless --no-follow, follows it until done, Degraded or interrupted. */
export async function upgradeCommand(c: UpgradeCommandContext, f: UpgradeFlags): Promise<void> {
  const body = f.fromFile ? upgradeFromFile(f.fromFile, f) : upgradeFromFlags(f);
  const name = body.metadata.name;
  const client = connect(c);
  c.ui.ok(`${await client.apply(body, !!f.fromFile)} Upgrade ${name}`);
  if (f.follow === false) return;
  c.ui.info('following it (Ctrl-C stops following; the rollout keeps running)');
  let last = '';
  const u = await client.follow(name, c.signal, {
    progress: (up, records) => {
      const text = progressLines(up, records).join('\n');
      if (text !== last && !c.ui.json) c.ui.print(text);
      last = text;
    },
    outage: () => {
      c.ui.info(`the API server does not answer (a control-plane node rebooting?); following again when it does, for up to ${FOLLOW_OUTAGE_MS / 60_000} minutes`);
      last = '';
    },
  });
  if (c.ui.json) c.ui.result(u.status);
  c.ui.ok(`${name}: every node at the target`);
}

/** `nkd upgrade status`: every Upgrade (or one) with per-node progress; fails (exit 1) when one is Degraded. */
export async function upgradeStatusCommand(c: UpgradeCommandContext, name: string | undefined): Promise<void> {
  const client = connect(c);
  const ups = name ? [await client.get(name)].filter((u): u is Upgrade => !!u) : await client.list();
  if (name && ups.length === 0) throw usageError(`Upgrade ${name} not found`, 'list them with `nkd upgrade status` (no name)');
  const degraded = ups.filter((u) => outcome(u) === 'degraded');
  if (c.ui.json && degraded.length === 0) { c.ui.result(ups.map((u) => ({ name: u.metadata.name, spec: u.spec, status: u.status }))); return; }
  if (!c.ui.json) {
    if (ups.length === 0) { c.ui.info('no Upgrades in this cluster'); return; }
    for (const u of ups) c.ui.print(progressLines(u, await client.records(u.metadata.name)).join('\n'));
  }
  if (degraded.length === 1) throw degradedError(degraded[0] as Upgrade);
  if (degraded.length > 1) {
    throw new NkdError(`${degraded.length} Upgrades are Degraded`, { details: degraded.map((u) => degradedError(u).message), hint: 'see each one with `nkd upgrade status <name>`' });
  }
}
