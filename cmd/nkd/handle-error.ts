import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, NkdError } from '../../pkg/ui/errors.js';
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

/**
 * The one exit path for failures: prints the message, details and hint to the terminal, the
 * stack to the debug log, and returns the exit code. A user mistake never shows a stack.
 */
export function handleError(ui: Ui, err: unknown): number {
  if (!ui.log.path) ui.log.attach(join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'nkd', 'nkd.log'));
  ui.log.write('debug', forensic(err));
  if (ui.json) {
    const e = err instanceof NkdError ? err : undefined;
    ui.result({
      error: {
        message: e ? e.message : `internal error: ${err instanceof Error ? err.message : String(err)}`,
        details: e?.details ?? [],
        hint: e?.hint,
        exitCode: e?.code ?? ExitCode.Failure,
        log: ui.log.path,
      },
    });
  }
  if (err instanceof NkdError) {
    ui.error(err.message);
    for (const d of err.details) ui.error(`  ${d}`);
    if (err.hint) ui.info(`hint: ${err.hint}`);
    if (err.code === ExitCode.Failure) ui.info(`details: ${ui.log.path}`);
    return err.code;
  }
  const msg = err instanceof Error ? err.message : String(err);
  ui.error(`internal error: ${msg}`);
  ui.info(`this is a bug in nkd; the stack is in ${ui.log.path}`);
  return ExitCode.Failure;
}
