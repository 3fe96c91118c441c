/**
 * What every command action in pkg/commands gets, and the steps several of them share. The
 * CLI (cmd/nkd) builds the context from its global flags; nothing below pkg/commands sees it.
 */
import { loadClusterConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import type { ClusterConfig } from '../config/types.gen.js';
import { usageError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';

/** The resolved global options of one run: output, --dir, the interrupt signal, the environment. */
export interface CommandContext {
  /** Human and machine output, and the debug log. */
  ui: Ui;
  /** --dir / NKD_DIR, if given (each command resolves its default). */
  dir?: string;
  /** Aborted on SIGINT/SIGTERM: long phases stop cleanly and keep their state. */
  signal: AbortSignal;
  /** The environment (for the NKD_* layered settings). */
  env: NodeJS.ProcessEnv;
}

/** Parsed flags of a command that reads a cluster file: -f plus every layered setting's flag. */
export type ClusterFileFlags = Record<string, unknown> & { file: string };

/** A `--<flag> <minutes>` value in milliseconds, or undefined when the flag was not given. */
export function minutes(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--${flag}: invalid value "${String(v)}"`, `give a number of minutes, e.g. --${flag} 30`);
  return n * 60_000;
}

/** Loads and validates the cluster file with the layered settings, printing its warnings. */
export async function loadClusterFile(c: CommandContext, file: string, flags?: Record<string, unknown>): Promise<{ config: ClusterConfig; baseDir: string }> {
  const { config, warnings, baseDir } = await loadClusterConfig({ file, flags, env: c.env });
  for (const w of warnings) c.ui.warn(formatProblem(file, w));
  return { config, baseDir };
}
