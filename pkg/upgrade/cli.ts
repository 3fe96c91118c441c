/**
 * What `nkd upgrade`, `nkd upgrade status` and `nkd operator manifests` do: build and create
 * the Upgrade in the cluster of a cluster directory, follow it per node, print manifests.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ExitCode, NkdError, usageError } from '../ui/errors.js';
import { ClientNodeApi, isConflict } from './kube-api.js';
import { operatorManifests, type ManifestOptions } from './manifests.js';
import { loadKubeConfig } from './operator.js';
import type { NodeUpgrade, Upgrade, UpgradeSpec } from './types.js';
import { API_VERSION, Label } from './vocabulary.js';

/** Output callbacks the command passes in. */
export interface CliOut { info(m: string): void; ok(m: string): void; warn(m: string): void; print(t: string): void; json: boolean; result(v: unknown): void }

/** Flags of `nkd upgrade`. */
export interface UpgradeFlags { osImage?: string; kubernetesVersion?: string; maxUnavailable?: string; name?: string; follow?: boolean; paused?: boolean }

/** Builds the Upgrade from flags, naming the flag and the fix on bad input. */
export function upgradeFromFlags(f: UpgradeFlags, now: Date = new Date()): Upgrade {
  if (!f.osImage && !f.kubernetesVersion) throw usageError('nothing to upgrade: no target given', 'pass --os-image <image@sha256:…> and/or --kubernetes-version vX.Y.Z');
  if (f.osImage && !/^[^\s@]+@sha256:[a-f0-9]{64}$/.test(f.osImage)) {
    throw usageError(`--os-image: invalid value "${f.osImage}": the image must be pinned by digest`, 'use registry/repo@sha256:<64 hex digits> (see `skopeo inspect` for the digest)');
  }
  let kv = f.kubernetesVersion;
  if (kv && /^\d/.test(kv)) kv = `v${kv}`;
  if (kv && !/^v\d+\.\d+\.\d+$/.test(kv)) throw usageError(`--kubernetes-version: invalid value "${f.kubernetesVersion}"`, 'use vMAJOR.MINOR.PATCH, for example v1.37.1');
  let mu: number | string | undefined;
  if (f.maxUnavailable !== undefined) {
    if (/^\d+$/.test(f.maxUnavailable) && Number(f.maxUnavailable) >= 1) mu = Number(f.maxUnavailable);
    else if (/^([1-9][0-9]?|100)%$/.test(f.maxUnavailable)) mu = f.maxUnavailable;
    else throw usageError(`--max-unavailable: invalid value "${f.maxUnavailable}"`, 'use a count >= 1 or a percentage from 1% to 100%');
  }
  const spec: UpgradeSpec = {};
  if (f.osImage) spec.osImage = f.osImage;
  if (kv) spec.kubernetesVersion = kv;
  if (mu !== undefined) spec.maxUnavailable = mu;
  if (f.paused) spec.paused = true;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
  return { apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name: f.name ?? `upgrade-${stamp}` }, spec };
}

function adminKubeconfig(dir: string | undefined): string {
  if (!dir) throw usageError('no cluster directory', 'pass --dir <clusterDir> (or set NKD_DIR)');
  const path = join(dir, 'auth', 'admin.conf');
  if (!existsSync(path)) throw usageError(`${path} does not exist: is ${dir} a deployed cluster directory?`, 'run `nkd deploy --dir <clusterDir>` first, or point --dir at the right directory');
  return path;
}

/** One line per node of an Upgrade. */
export function progressLines(u: Upgrade, records: NodeUpgrade[]): string[] {
  const by = new Map(records.map((r) => [r.spec.nodeName, r]));
  const c = u.status?.counts;
  const head = `${u.metadata.name}: ${c?.succeeded ?? 0}/${c?.total ?? 0} done, ${c?.failed ?? 0} failed — ${u.status?.message ?? 'waiting for the operator'}`;
  return [head, ...(u.status?.plan ?? []).map((p) => {
    const r = by.get(p.node);
    return `  ${p.node.padEnd(30)} ${p.stage.padEnd(14)} ${(r?.status?.phase ?? 'Pending').padEnd(12)} ${r?.status?.message ?? ''}`;
  })];
}

function degradedOrDone(u: Upgrade): 'done' | 'degraded' | undefined {
  const cond = (t: string) => u.status?.conditions?.find((c) => c.type === t);
  if (cond('Available')?.status === 'True') return 'done';
  if (cond('Degraded')?.status === 'True' && u.status?.observedGeneration === u.metadata.generation) return 'degraded';
  return undefined;
}

/** Creates the Upgrade in the cluster of `dir` and, unless follow is false, follows it until done, degraded or interrupted. */
export async function runUpgrade(dir: string | undefined, f: UpgradeFlags, out: CliOut, signal: AbortSignal): Promise<void> {
  const body = upgradeFromFlags(f);
  const kc = loadKubeConfig(adminKubeconfig(dir));
  const api = new ClientNodeApi(kc, 'nkd');
  try {
    await api.createUpgrade(body);
  } catch (e) {
    if (isConflict(e)) throw usageError(`Upgrade ${body.metadata.name} already exists`, 'pick another --name, or follow it with `nkd upgrade status`');
    throw new NkdError(`creating Upgrade ${body.metadata.name}: ${(e as Error).message}`, { cause: e, hint: 'is the upgrade operator installed (spec.upgradeOperator.enabled)?' });
  }
  out.ok(`created Upgrade ${body.metadata.name}`);
  if (f.follow === false) return;
  out.info('following it (Ctrl-C stops following; the rollout keeps running)');
  let last = '';
  while (!signal.aborted) {
    const u = await api.getUpgrade(body.metadata.name);
    if (!u) throw new NkdError(`Upgrade ${body.metadata.name} was deleted`);
    const lines = progressLines(u, await api.listNodeUpgrades(`${Label.upgrade}=${u.metadata.name}`));
    const text = lines.join('\n');
    if (text !== last && !out.json) out.print(text);
    last = text;
    const end = degradedOrDone(u);
    if (end === 'done') { if (out.json) out.result(u.status); out.ok(`${u.metadata.name}: every node at the target`); return; }
    if (end === 'degraded') {
      if (out.json) out.result(u.status);
      throw new NkdError(`${u.metadata.name} is Degraded: ${u.status?.conditions?.find((c) => c.type === 'Degraded')?.message}`, { hint: 'fix the cause, then list the node in spec.retryNodes or spec.skipNodes (kubectl edit upgrade …)' });
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new NkdError('stopped following; the rollout continues in the cluster', { code: ExitCode.Interrupted, hint: 'resume watching with `nkd upgrade status`' });
}

/** Prints every Upgrade (or one) with per-node progress. */
export async function upgradeStatus(dir: string | undefined, name: string | undefined, out: CliOut): Promise<void> {
  const api = new ClientNodeApi(loadKubeConfig(adminKubeconfig(dir)), 'nkd');
  const ups = name ? [await api.getUpgrade(name)].filter((u): u is Upgrade => !!u) : await api.listUpgrades();
  if (name && ups.length === 0) throw usageError(`Upgrade ${name} not found`, 'list them with `nkd upgrade status` (no name)');
  if (out.json) { out.result(ups.map((u) => ({ name: u.metadata.name, spec: u.spec, status: u.status }))); return; }
  if (ups.length === 0) { out.info('no Upgrades in this cluster'); return; }
  for (const u of ups) out.print(progressLines(u, await api.listNodeUpgrades(`${Label.upgrade}=${u.metadata.name}`)).join('\n'));
}

/** The operator manifests as one multi-document YAML text. */
export function manifestsYaml(opts: ManifestOptions): string {
  return operatorManifests(opts).map((o) => yaml.dump(o, { noRefs: true, lineWidth: 120 })).join('---\n');
}
