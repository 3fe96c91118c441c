/**
 * The one error type of nkd. Code in pkg/ throws it (or lets other errors bubble up as
 * causes); cmd/nkd's single handler prints it and exits with its exit code.
 */

/** Process exit codes, documented in the README. */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** A runtime failure: a provider, a host, the cluster or the network failed. */
  Failure: 1,
  /** A usage or configuration error: the user can fix the input and run again. */
  Usage: 2,
  /** A bounded wait ran out. */
  Timeout: 3,
  /** Interrupted by SIGINT/SIGTERM; state is kept so the next run resumes. */
  Interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Options for {@link NkdError}. */
export interface NkdErrorOptions {
  /** Exit code the CLI exits with; defaults to {@link ExitCode.Failure}. */
  code?: ExitCodeValue;
  /** One line that tells the user what to do about it. */
  hint?: string;
  /** Further lines, each a complete statement (for example one per invalid field). */
  details?: string[];
  /** The underlying error. */
  cause?: unknown;
}

/** An error meant for the user: a message, a hint, details and an exit code. */
export class NkdError extends Error {
  readonly code: ExitCodeValue;
  readonly hint?: string;
  readonly details: string[];

  constructor(message: string, opts: NkdErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'NkdError';
    this.code = opts.code ?? ExitCode.Failure;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

/** A usage or configuration error (exit code 2). */
export function usageError(message: string, hint?: string, details?: string[]): NkdError {
  return new NkdError(message, { code: ExitCode.Usage, hint, details });
}

/** Wraps any error with context, keeping an NkdError's exit code and hint. */
export function wrapError(context: string, err: unknown): NkdError {
  if (err instanceof NkdError) {
    return new NkdError(`${context}: ${err.message}`, {
      code: err.code,
      hint: err.hint,
      details: err.details,
      cause: err,
    });
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new NkdError(`${context}: ${msg}`, { cause: err });
}
