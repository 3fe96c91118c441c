/**
 * A per-key work queue: each key is reconciled by at most one worker at a time; a key added
 * while it is being processed runs once more afterwards; delayed adds keep the earliest time.
 */

/** Reconciles one key; resolves to a delay in ms to run again, or undefined. */
export type Reconcile = (key: string) => Promise<number | undefined>;

/** The per-key work queue of the operator. */
export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; t: NodeJS.Timeout }>();
  private running = 0;
  private stopped = false;

  constructor(private readonly reconcile: Reconcile, private readonly workers = 2, private readonly onError: (key: string, e: unknown) => void = () => undefined) {}

  /** Queues a key now, or after delayMs (the earliest pending time wins). */
  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const at = Date.now() + delayMs;
      const cur = this.timers.get(key);
      if (cur && cur.at <= at) return;
      if (cur) clearTimeout(cur.t);
      const t = setTimeout(() => { this.timers.delete(key); this.add(key); }, delayMs);
      t.unref?.();
      this.timers.set(key, { at, t });
      return;
    }
    if (this.active.has(key)) { this.dirty.add(key); return; }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.workers && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      this.queued.delete(key);
      this.active.add(key);
      this.running += 1;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    let again: number | undefined;
    try {
      again = await this.reconcile(key);
    } catch (e) {
      this.onError(key, e);
      again = 1000;
    }
    this.active.delete(key);
    this.running -= 1;
    if (this.dirty.delete(key)) this.add(key);
    else if (again !== undefined) this.add(key, again);
    this.pump();
  }

  /** Stops taking work and cancels timers; resolves when running reconciles end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { t } of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    this.queued.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
