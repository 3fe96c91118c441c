import { availableParallelism } from 'node:os';
import { ExitCode, NkdError } from '../ui/errors.js';
import type { KeyPair, KeySource, KeyType } from './keys.js';

/** Options of {@link KeyPool}. */
export interface KeyPoolOptions {
  /** Key generations in flight at once (default: the machine's cores). */
  concurrency?: number;
  /** Aborted: queued generations are dropped and every pending request rejects at once. */
  signal?: AbortSignal;
}

interface Pending {
  name: string;
  type: KeyType;
  promise: Promise<KeyPair>;
  resolve: (k: KeyPair) => void;
  reject: (e: unknown) => void;
  started: boolean;
}

/** The error a request gets once the pool's signal is aborted. */
function interrupted(signal: AbortSignal): unknown {
  const r: unknown = signal.reason;
  return r instanceof NkdError ? r : new NkdError('render interrupted during key generation: the cluster directory is unchanged', { code: ExitCode.Interrupted });
}

/**
 * Runs key generation for a render: at most `concurrency` keys at a time (one per core, so an
 * interrupt waits for at most one key per core), each key made once per name, and keys can be
 * requested ahead of need (`prefetch`) so generation starts before the asset graph waits on it.
 * On abort, queued keys are never started and every request rejects at once.
 */
export class KeyPool {
  private readonly byName = new Map<string, Pending>();
  private readonly queue: Pending[] = [];
  private running = 0;
  private made = 0;
  /** Key generations in flight at once. */
  readonly concurrency: number;

  constructor(private readonly source: KeySource, private readonly opts: KeyPoolOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? availableParallelism());
    opts.signal?.addEventListener('abort', () => this.abort(), { once: true });
  }

  /** Keys generated (or requested from the source) so far. */
  get generated(): number {
    return this.made;
  }

  /** Starts generating these keys now (in this order), before anyone asks for them. */
  prefetch(names: readonly string[], type: KeyType): void {
    for (const n of names) void this.request(n, type).catch(() => undefined);
  }

  /** The pool as a KeySource: the prefetched key of that name, or a new one. */
  readonly keys: KeySource = (name, type) => this.request(name, type);

  private request(name: string, type: KeyType): Promise<KeyPair> {
    const signal = this.opts.signal;
    if (signal?.aborted) return Promise.reject(interrupted(signal));
    const key = `${type}:${name}`;
    const hit = this.byName.get(key);
    if (hit) return hit.promise;
    let resolve!: (k: KeyPair) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<KeyPair>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const p: Pending = { name, type, promise, resolve, reject, started: false };
    this.byName.set(key, p);
    this.queue.push(p);
    this.pump();
    return promise;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length && !this.opts.signal?.aborted) {
      const p = this.queue.shift()!;
      p.started = true;
      this.running++;
      this.made++;
      this.source(p.name, p.type).then(
        (k) => {
          this.running--;
          if (this.opts.signal?.aborted) p.reject(interrupted(this.opts.signal));
          else p.resolve(k);
          this.pump();
        },
        (e: unknown) => {
          this.running--;
          p.reject(e);
          this.pump();
        },
      );
    }
  }

  private abort(): void {
    const signal = this.opts.signal!;
    for (const p of this.queue.splice(0)) p.reject(interrupted(signal));
    // Started ones cannot be cancelled (a thread-pool job); their requests reject now and the
    // results are dropped when they arrive.
    for (const p of this.byName.values()) if (p.started) p.reject(interrupted(signal));
  }
}
