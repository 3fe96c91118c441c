import { ExitCode, NkdError } from './ui/errors.js';

/** The error an aborted run throws: the signal's NkdError, or an Interrupted one. */
export function abortError(signal: AbortSignal): NkdError {
  return signal.reason instanceof NkdError
    ? signal.reason
    : new NkdError('interrupted; the journal is kept, re-run to resume', { code: ExitCode.Interrupted });
}

/** Throws {@link abortError} when `signal` is aborted. */
export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}
