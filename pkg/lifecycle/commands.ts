import { readFile } from 'node:fs/promises';
import { loadClusterConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import type { ClusterConfig } from '../config/types.gen.js';
import { Journal } from '../infra/journal.js';
import { ExitCode, NkdError, usageError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';
import { plural } from '../ui/output.js';
import { canAsk, confirm } from '../ui/prompt.js';
import { checkClusterDir, checkWritableDir, clusterDir } from './cluster-dir.js';
import { deploy, journalPath, type DeployResult } from './deploy.js';
import { destroy } from './destroy.js';
import { clusterStatus, formatStatus } from './status.js';
import { ClusterDir } from '../cluster-dir.js';

/** What the CLI passes to the lifecycle commands. */
export interface CommandContext {
  ui: Ui;
  dir?: string;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

function minutes(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--${flag}: invalid value "${String(v)}"`, `give a number of minutes, e.g. --${flag} 30`);
  return n * 60_000;
}

async function loadFile(c: CommandContext, file: string, flags?: Record<string, unknown>): Promise<{ config: ClusterConfig; baseDir: string }> {
  const { config, warnings, baseDir } = await loadClusterConfig({ file, flags, env: c.env });
  for (const w of warnings) c.ui.warn(formatProblem(file, w));
  return { config, baseDir };
}

/** `nkd deploy` and `nkd extend`: loads the file, resolves the directory, runs the phases. */
export async function deployCommand(c: CommandContext, mode: 'deploy' | 'extend', o: Record<string, unknown> & { file: string; dryRun?: boolean }): Promise<DeployResult> {
  const timeouts = { apiMs: minutes('api-timeout', o.apiTimeout), nodesMs: minutes('nodes-timeout', o.nodesTimeout) };
  const { config, baseDir } = await loadFile(c, o.file, o);
  const dir = clusterDir(mode, c.dir, config.metadata.name);
  c.ui.log.useClusterDir(dir);
  if (!o.dryRun) await checkWritableDir(dir, c.dir ?? config.metadata.name);
  const result = await deploy({ config, dir, baseDir, ui: c.ui, signal: c.signal, dryRun: !!o.dryRun, mode, timeouts });
  if (c.ui.json) c.ui.result({ ...result, plan: { ...result.plan, desired: undefined } });
  return result;
}

/** `nkd status`: the directory from --dir, else from -f's metadata.name. */
export async function statusCommand(c: CommandContext, o: { file?: string } = {}): Promise<void> {
  const config = o.file ? (await loadFile(c, o.file)).config : undefined;
  const dir = clusterDir('status', c.dir, config?.metadata.name);
  await checkClusterDir('status', dir, c.dir ?? config?.metadata.name);
  c.ui.log.useClusterDir(dir);
  const report = await clusterStatus({ dir });
  report.cluster ||= config?.metadata.name ?? (await renderedClusterName(dir)) ?? '';
  if (c.ui.json) c.ui.result(report);
  else c.ui.print(formatStatus(report));
}

/** The cluster a rendered (not yet deployed) directory belongs to, from its render state. */
async function renderedClusterName(dir: string): Promise<string | undefined> {
  try {
    const state = JSON.parse(await readFile(new ClusterDir(dir).state, 'utf8')) as { cluster?: unknown };
    return typeof state.cluster === 'string' ? state.cluster : undefined;
  } catch {
    return undefined;
  }
}

/** Options of `nkd destroy`. */
export interface DestroyFlags {
  file?: string;
  /** Delete without asking. */
  yes?: boolean;
  /** List what would be deleted; connect to nothing. */
  dryRun?: boolean;
}

/**
 * `nkd destroy`: asks first on a terminal (--yes for scripts; without a terminal and without
 * --yes it refuses), or with --dry-run lists what the journal would delete.
 */
export async function destroyCommand(c: CommandContext, o: DestroyFlags, ask: { canAsk: () => boolean; confirm: (q: string) => Promise<boolean> } = { canAsk, confirm: (q) => confirm(q, undefined, c.signal) }): Promise<void> {
  const config = o.file ? (await loadFile(c, o.file)).config : undefined;
  const dir = clusterDir('destroy', c.dir, config?.metadata.name);
  const shown = c.dir ?? config?.metadata.name ?? dir;
  if (!config) await checkClusterDir('destroy', dir, shown);
  c.ui.log.useClusterDir(dir);
  const journal = await Journal.read(journalPath(dir));
  const cluster = journal?.clusterId ?? config?.metadata.name ?? '';
  const owned = (journal?.entries ?? []).filter((e) => e.owned);
  if (o.dryRun) {
    const lines = [
      `destroy would delete ${plural(owned.length, 'resource')} of cluster ${cluster} recorded in ${journalPath(dir)}${journal ? '' : ' (no journal)'}:`,
      ...owned.map((e) => `- delete ${e.kind} ${e.name}`),
      ...(journal?.entries ?? []).filter((e) => !e.owned).map((e) => `  keep   ${e.kind} ${e.name} (not the cluster's own)`),
      `then sweep ${journal?.provider ?? config?.spec.platform ?? 'the platform'} for resources tagged with cluster ${cluster} (not checked in a dry run)`,
    ];
    if (c.ui.json) c.ui.result({ dryRun: true, cluster, dir, delete: owned.map((e) => ({ kind: e.kind, name: e.name })) });
    else c.ui.print(lines.join('\n'));
    return;
  }
  if (!o.yes) {
    const target = `cluster ${cluster || '(unknown)'} in ${dir}`;
    if (!ask.canAsk()) {
      throw usageError(`nkd destroy: refusing to destroy ${target} without confirmation: there is no terminal to ask on`, 'pass --yes to destroy from a script, or run it on a terminal; --dry-run lists what would be deleted');
    }
    if (!(await ask.confirm(`destroy ${target}: delete ${plural(owned.length, 'recorded resource')} and everything tagged with the cluster?`))) throw new NkdError('nkd destroy: not confirmed; nothing was deleted', { code: ExitCode.Usage, hint: 'answer y to destroy, or pass --yes' });
  }
  const report = await destroy({ dir, ui: c.ui, signal: c.signal, config });
  if (c.ui.json) c.ui.result(report);
}
