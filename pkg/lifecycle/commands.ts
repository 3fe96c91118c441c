import { resolve } from 'node:path';
import { join } from 'node:path';
import { loadClusterConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import { usageError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';
import { deploy, type DeployResult } from './deploy.js';
import { destroy } from './destroy.js';
import { clusterStatus, formatStatus } from './status.js';

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

function attachLog(ui: Ui, dir: string): void {
  if (!ui.log.path) ui.log.attach(join(dir, '.nkd', 'nkd.log'));
}

/** `nkd deploy` and `nkd extend`: loads the file, resolves the directory, runs the phases. */
export async function deployCommand(c: CommandContext, mode: 'deploy' | 'extend', o: Record<string, unknown> & { file: string; dryRun?: boolean }): Promise<DeployResult> {
  const { config, warnings, baseDir } = await loadClusterConfig({ file: o.file, flags: o, env: c.env });
  for (const w of warnings) c.ui.warn(formatProblem(o.file, w));
  const dir = resolve(c.dir ?? config.metadata.name);
  attachLog(c.ui, dir);
  const result = await deploy({
    config, dir, baseDir, ui: c.ui, signal: c.signal, dryRun: !!o.dryRun, mode,
    timeouts: { apiMs: minutes('api-timeout', o.apiTimeout), nodesMs: minutes('nodes-timeout', o.nodesTimeout) },
  });
  if (c.ui.json) c.ui.result({ ...result, plan: { ...result.plan, desired: undefined } });
  return result;
}

/** `nkd status`. */
export async function statusCommand(c: CommandContext): Promise<void> {
  const dir = resolve(c.dir ?? '.');
  const report = await clusterStatus({ dir });
  if (c.ui.json) c.ui.result(report);
  else c.ui.print(formatStatus(report));
}

/** `nkd destroy`. */
export async function destroyCommand(c: CommandContext, o: { file?: string }): Promise<void> {
  let config;
  if (o.file) config = (await loadClusterConfig({ file: o.file, env: c.env })).config;
  const dir = resolve(c.dir ?? config?.metadata.name ?? '.');
  attachLog(c.ui, dir);
  const report = await destroy({ dir, ui: c.ui, signal: c.signal, config });
  if (c.ui.json) c.ui.result(report);
}
