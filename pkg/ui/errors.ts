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
  /** Things worth a look that did not cause the failure (printed as warnings after the details). */
  warnings?: string[];
  /** The underlying error. */
  cause?: unknown;
}

/** An error meant for the user: a message, a hint, details and an exit code. */
export class NkdError extends Error {
  readonly code: ExitCodeValue;
  readonly hint?: string;
  readonly details: string[];
  readonly warnings: string[];

  constructor(message: string, opts: NkdErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'NkdError';
    this.code = opts.code ?? ExitCode.Failure;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
    this.warnings = opts.warnings ?? [];
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
      warnings: err.warnings,
      cause: err,
    });
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new NkdError(`${context}: ${msg}`, { cause: err });
}

/** What a file-system error code means, in words a user can act on. */
const FS_CODES: Record<string, { what: string; hint: string; code: ExitCodeValue }> = {
  ENOENT: { what: 'no such file or directory', hint: 'check the path', code: ExitCode.Usage },
  EACCES: { what: 'permission denied', hint: 'check the permissions of the path and its parent directories, or run as a user who may access it', code: ExitCode.Usage },
  EPERM: { what: 'operation not permitted', hint: 'check the permissions and attributes of the path', code: ExitCode.Usage },
  ENOTDIR: { what: 'a part of the path is a file, not a directory', hint: 'give a path whose parents are directories', code: ExitCode.Usage },
  EISDIR: { what: 'is a directory, not a file', hint: 'give the path of a file', code: ExitCode.Usage },
  ELOOP: { what: 'too many levels of symbolic links (a symlink loop)', hint: 'fix the symbolic link so it points at a real file', code: ExitCode.Usage },
  ENAMETOOLONG: { what: 'the path is too long', hint: 'use a shorter path', code: ExitCode.Usage },
  EROFS: { what: 'read-only file system', hint: 'use a directory on a writable file system', code: ExitCode.Usage },
  EEXIST: { what: 'already exists', hint: 'remove it or choose another path', code: ExitCode.Usage },
  ENOTEMPTY: { what: 'directory not empty', hint: 'remove its contents or choose another path', code: ExitCode.Usage },
  EINVAL: { what: 'invalid argument for this kind of file', hint: 'use a regular file or directory', code: ExitCode.Usage },
  ENXIO: { what: 'no such device', hint: 'use a regular file', code: ExitCode.Usage },
  EIO: { what: 'input/output error', hint: 'use a regular file on a working disk', code: ExitCode.Failure },
  ENOSPC: { what: 'no space left on the device', hint: 'free some space and run the command again', code: ExitCode.Failure },
  EDQUOT: { what: 'disk quota exceeded', hint: 'free some space and run the command again', code: ExitCode.Failure },
  EMFILE: { what: 'too many open files', hint: 'raise the limit (ulimit -n) and run the command again', code: ExitCode.Failure },
  EBUSY: { what: 'resource busy', hint: 'wait for the other user of the file and run the command again', code: ExitCode.Failure },
};

/**
 * A file-system error (errno code and path, as Node raises them) as an NkdError that names
 * the path, what happened and the fix; undefined for any other error.
 */
export function fsError(err: unknown, what?: string): NkdError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const known = e && typeof e === 'object' && typeof e.code === 'string' ? FS_CODES[e.code] : undefined;
  if (!known || !(e instanceof Error) || (e.path === undefined && e.syscall === undefined && what === undefined)) return undefined;
  const subject = what ?? e.path ?? 'a file';
  return new NkdError(`${subject}: ${known.what} (${e.code}${e.syscall ? ` in ${e.syscall}` : ''})`, { code: known.code, hint: known.hint, cause: err });
}
