/**
 * Preflight of an existing host over SSH: one probe command (preflight-checks.ts), the facts
 * it found and the problems against what the cluster needs; {@link preflightError} makes one
 * error of them that lists every problem with its fix.
 */
import { ExitCode, NkdError } from '../../ui/errors.js';
import { checkFacts, parseFacts, probeScript, type HostFacts, type PreflightExpectations, type PreflightProblem } from './preflight-checks.js';
import type { SshSession } from './session.js';

/** Options of {@link preflightHost}. */
export interface PreflightOptions extends PreflightExpectations {
  /** Root for the files looked at (os-release, machine-id, the runtime socket); default `/`. */
  root?: string;
  /** Bound of the probe; default 60 s. */
  timeoutMs?: number;
}

/** Facts and problems of one host. */
export interface PreflightReport {
  facts: HostFacts;
  problems: PreflightProblem[];
}

/** Probes the host and checks it. */
export async function preflightHost(session: SshSession, opts: PreflightOptions): Promise<PreflightReport> {
  const stdout = await session.run(probeScript(opts.runtime ?? 'containerd', opts.root), { timeoutMs: opts.timeoutMs ?? 60_000, what: 'the preflight probe' });
  const facts = parseFacts(stdout);
  return { facts, problems: checkFacts(facts, opts) };
}

/** One error listing every problem with its fix, or undefined when there is none. */
export function preflightError(label: string, problems: PreflightProblem[]): NkdError | undefined {
  if (problems.length === 0) return undefined;
  return new NkdError(`${label}: the host is not ready to join the cluster (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'})`, {
    code: ExitCode.Failure,
    details: problems.map((p) => `${p.message}; fix: ${p.fix}`),
    hint: 'fix the host and run again: nothing was changed on it',
  });
}
