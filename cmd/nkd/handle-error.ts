import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, fsError, NkdError } from '../../pkg/ui/errors.js';
import type { Ui } from '../../pkg/ui/output.js';

/** Formats an error and its causes for the debug log, stacks included. */
function forensic(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 10; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}

/** The log of runs without a cluster directory: $XDG_STATE_HOME/nkd/nkd.log. */
export function stateLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'nkd', 'nkd.log');
}

/**
 * The one exit path for failures: prints the message, details and hint to the terminal, the
 * stack to the debug log, and returns the exit code. A user mistake or a file-system
 * condition never shows a stack; only an error nkd did not foresee is called a bug.
 */
export function handleError(ui: Ui, err: unknown): number {
  if (!ui.log.path) {
    const firstProblem = ui.log.problem;
    if (!ui.log.attach(stateLogPath()) && firstProblem) ui.log.problem = firstProblem;
  }
  ui.log.write('debug', forensic(err));
  const known = err instanceof NkdError ? err : fsError(err);
  const log = ui.log.path;
  const logLine = log ? `details: ${log}` : `no debug log (${ui.log.problem ?? 'none could be opened'})`;
  if (ui.json) {
    ui.result({
      error: {
        message: known ? known.message : `internal error: ${err instanceof Error ? err.message : String(err)}`,
        details: known?.details ?? [],
        warnings: known?.warnings ?? [],
        hint: known?.hint,
        exitCode: known?.code ?? ExitCode.Failure,
        log,
      },
    });
  }
  if (known) {
    ui.error(known.message);
    for (const d of known.details) ui.detail(`  ${d}`);
    for (const w of known.warnings) ui.warn(w);
    if (known.hint) ui.info(`hint: ${known.hint}`);
    if (known.code === ExitCode.Failure) ui.info(logLine);
    return known.code;
  }
  const msg = err instanceof Error ? err.message : String(err);
  ui.error(`internal error: ${msg}`);
  ui.info(log ? `this is a bug in nkd; the stack is in ${log}` : `this is a bug in nkd; ${logLine}`);
  return ExitCode.Failure;
}
