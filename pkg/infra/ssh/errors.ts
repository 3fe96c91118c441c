/**
 * The typed errors of the SSH layer. Each names the host it concerns (node name and address)
 * and what to do; none carries a private key, a command's stdin or file contents.
 */
import { ExitCode, NkdError } from '../../ui/errors.js';

/** The host presented another key than the pinned one; nothing was sent to it. */
export class HostKeyMismatchError extends NkdError {
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly presented: string,
    hint: string,
  ) {
    super(`${host}: host key mismatch: expected ${expected}, the host presented ${presented}; refusing to connect (nothing was sent)`, {
      code: ExitCode.Failure,
      hint,
      details: ['a different key means a reinstalled host, another host on that address, or someone in between'],
    });
    this.name = 'HostKeyMismatchError';
  }
}

/** A bounded wait on a host ran out; `what` names the wait. */
export class SshTimeoutError extends NkdError {
  constructor(
    readonly host: string,
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${host}: timed out after ${formatMs(timeoutMs)} ${what}`, {
      code: ExitCode.Timeout,
      hint: 'check that the host is up and reachable, or raise the bound if the host is slow',
    });
    this.name = 'SshTimeoutError';
  }
}

/** A remote command exited non-zero where success was required. */
export class RemoteCommandError extends NkdError {
  constructor(
    readonly host: string,
    readonly what: string,
    readonly exitCode: number | null,
    stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    super(`${host}: ${what} failed (${exitCode === null ? 'killed by a signal' : `exit code ${exitCode}`})${tail ? `: ${tail}` : ''}`);
    this.name = 'RemoteCommandError';
  }
}

/** `1.5 s`, `250 ms`: how the bounds read in messages. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}
