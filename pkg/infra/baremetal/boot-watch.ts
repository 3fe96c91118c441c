/**
 * What the boot service saw of each host, and bounded, named waits on it. A bare-metal host
 * goes through three stages nkd can see from its side of the wire: the iPXE script fetched
 * (DHCP and the boot ROM worked), the first stage fetched (the live installer runs), the secret
 * bundle fetched (the installed system's first boot). A wait that runs out names the stage the
 * host did not reach and what to look at.
 */
import { abortError } from '../../abort.js';
import { NkdError, ExitCode } from '../../ui/errors.js';

/** A stage of a host's network install, in order. */
export type BootStage = 'script' | 'first-stage' | 'secret-bundle';

/** The stages in order, with the phrase used in progress lines and errors. */
export const BOOT_STAGES: ReadonlyArray<{ stage: BootStage; reached: string }> = [
  { stage: 'script', reached: 'fetched its iPXE script' },
  { stage: 'first-stage', reached: 'fetched its first-stage Ignition (the live installer runs)' },
  { stage: 'secret-bundle', reached: 'fetched its secret bundle (the installed system boots)' },
];

/** The boot service's observations of each host. */
export class BootWatch {
  private readonly seen = new Map<string, Map<BootStage, number>>();
  /** The address each node's live installer fetched its first stage from. */
  private readonly installerIps = new Map<string, string>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records that `node` reached `stage` (the first time counts), from address `from`. */
  record(node: string, stage: BootStage, from?: string): void {
    if (stage === 'first-stage' && from && !this.installerIps.has(node)) this.installerIps.set(node, from);
    const m = this.seen.get(node) ?? new Map<BootStage, number>();
    if (!m.has(stage)) m.set(stage, this.now());
    this.seen.set(node, m);
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * The address `node`'s live installer came from: a host without a fixed IP keeps its DHCP
   * lease (same MAC) when the installed system boots, so its secret bundle is bound to it.
   */
  installerIp(node: string): string | undefined {
    return this.installerIps.get(node);
  }

  /** When `node` reached `stage`, if it did. */
  reached(node: string, stage: BootStage): number | undefined {
    return this.seen.get(node)?.get(stage);
  }

  /**
   * Resolves once `node` reached `stage`; rejects after `timeoutMs` with an error naming the
   * stage and `hint`, or when `signal` aborts.
   */
  until(node: string, stage: BootStage, timeoutMs: number, hint: string, signal?: AbortSignal): Promise<void> {
    if (this.reached(node, stage) !== undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (this.reached(node, stage) !== undefined) done();
      };
      const onAbort = (): void => done(abortError(signal!));
      const what = BOOT_STAGES.find((s) => s.stage === stage)!.reached;
      const timer = setTimeout(() => done(new NkdError(`node ${node} has not ${what} within ${Math.round(timeoutMs / 1000)} s`, { code: ExitCode.Failure, hint })), timeoutMs);
      this.waiters.add(check);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
