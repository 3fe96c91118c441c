import { checkAbort } from '../abort.js';
import type { Journal } from '../infra/journal.js';
import { NkdError, wrapError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';

/** One named step of a lifecycle command. */
export interface Phase {
  name: string;
  /** What it waits for and for how long (printed when it starts), if it waits. */
  bound?: string;
  /** Does the work; idempotent, so a re-run after an interruption redoes or confirms it. */
  run(): Promise<void>;
}

/** Options of {@link runPhases}. */
export interface PhaseRunOptions {
  ui: Ui;
  signal?: AbortSignal;
  /** Where completed phases are recorded (for `nkd status` and resume messages). */
  journal?: Journal;
  /** Called after each completed phase with its duration (tests interrupt here). */
  afterPhase?: (name: string, ms: number) => void | Promise<void>;
}

/**
 * Runs phases in order, each named and timed through the Ui. Stops between phases when the
 * signal aborts (the journal keeps what was done, the next run resumes). A phase completed by
 * an earlier run is run again: phases are idempotent and confirm quickly what exists.
 */
export async function runPhases(phases: Phase[], opts: PhaseRunOptions): Promise<void> {
  const before = opts.journal?.phases() ?? {};
  for (const p of phases) {
    checkAbort(opts.signal);
    const t0 = performance.now();
    const label = before[p.name] ? `${p.name} (completed before at ${before[p.name]?.completedAt}; checking)` : p.name;
    try {
      await opts.ui.phase(label, () => p.run(), p.bound);
    } catch (e) {
      // Provider and API failures arrive as plain errors: name the phase, keep NkdError codes.
      throw e instanceof NkdError ? e : wrapError(p.name, e);
    }
    const ms = performance.now() - t0;
    await opts.journal?.phaseDone(p.name, ms);
    await opts.afterPhase?.(p.name, ms);
  }
}
