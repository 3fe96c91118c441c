import type { Command } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../../pkg/ui/log.js';
import { Ui } from '../../pkg/ui/output.js';
import { usageError } from '../../pkg/ui/errors.js';
import type { CommandContext } from '../../pkg/commands/context.js';

const interrupt = new AbortController();
let current: CommandContext | undefined;

/** The interrupt controller the entry point aborts on SIGINT/SIGTERM. */
export function interruptController(): AbortController {
  return interrupt;
}

/** Resolves the global options (flag > NKD_* env > default) once, before any action runs. */
export function initContext(program: Command, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const o = program.opts<{ dir?: string; logLevel?: string; json?: boolean }>();
  const level = (o.logLevel ?? env.NKD_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw usageError(
      `--log-level: invalid value "${level}"`,
      `use one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const json = o.json ?? ['1', 'true'].includes(env.NKD_JSON ?? '');
  current = { ui: new Ui(level, json), dir: o.dir ?? env.NKD_DIR, signal: interrupt.signal, env };
  return current;
}

/**
 * Points the debug log at the cluster directory (`<dir>/.nkd/nkd.log`, 0600) once it exists:
 * commands that work on a cluster directory call this as soon as they know it.
 */
export function useClusterDir(dir: string): void {
  ctx().ui.log.useClusterDir(dir);
}

/** The context of the running command (initContext must have run). */
export function ctx(): CommandContext {
  if (!current) current = { ui: new Ui(), signal: interrupt.signal, env: process.env };
  return current;
}
