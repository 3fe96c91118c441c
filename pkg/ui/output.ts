import { DebugLog, LOG_LEVELS, type LogLevel } from './log.js';

/** Where human output goes; replaceable in tests. */
export interface Sink {
  out(text: string): void;
  err(text: string): void;
  /** True when err is a terminal: waits redraw one live line instead of printing lines. */
  live?: boolean;
}

/** Where human output goes; replaceable in tests. */
const processSink: Sink = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  live: !!process.stderr.isTTY,
};

/** How often a wait reports itself: live on a terminal, one plain line a minute otherwise. */
const LIVE_TICK_MS = 1000;
const PLAIN_TICK_MS = 60_000;

/**
 * Console output for humans (stderr, short lines with a glyph), machine output (stdout, JSON
 * with --json), and the debug log. pkg/ code reports through this, never through console.
 */
export class Ui {
  readonly log = new DebugLog();

  constructor(
    readonly level: LogLevel = 'info',
    readonly json = false,
    private readonly sink: Sink = processSink,
  ) {}

  private enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.level);
  }

  /** True while a live wait line is on the terminal (cleared before any other line). */
  private liveShown = false;

  private clearLive(): void {
    if (this.liveShown) this.sink.err('\r\x1b[K');
    this.liveShown = false;
  }

  private line(level: LogLevel, glyph: string, msg: string): void {
    this.log.write(level, msg);
    if (!this.enabled(level)) return;
    this.clearLive();
    this.sink.err(`${glyph} ${msg}\n`);
  }

  /** Progress: something started or is going on. */
  info(msg: string): void {
    this.line('info', '•', msg);
  }
  /** Something finished well. */
  ok(msg: string): void {
    this.line('info', '✓', msg);
  }
  /** Something the user should look at, not fatal. */
  warn(msg: string): void {
    this.line('warn', '!', msg);
  }
  /** A failure line (the error handler prints errors through this). */
  error(msg: string): void {
    this.line('error', '✗', msg);
  }
  /** A line under an error (a detail), without a glyph. */
  detail(msg: string): void {
    this.log.write('error', msg);
    if (!this.enabled('error')) return;
    this.clearLive();
    this.sink.err(`${msg}\n`);
  }
  /** Detail for the debug log and --log-level debug. */
  debug(msg: string): void {
    this.line('debug', ' ', msg);
  }

  /** Primary output of a command (a rendered file, a table) to stdout. */
  print(text: string): void {
    this.sink.out(text.endsWith('\n') ? text : text + '\n');
  }

  /** The --json result of a command to stdout. */
  result(value: unknown): void {
    this.sink.out(JSON.stringify(value, null, 2) + '\n');
  }

  /**
   * Runs a named phase, printing its start, its outcome and its duration.
   * `bound` says what it waits for and for how long, when it waits.
   */
  async phase<T>(name: string, fn: () => Promise<T>, bound?: string): Promise<T> {
    const t0 = performance.now();
    this.info(bound ? `${name} (${bound})` : name);
    const stop = bound ? this.ticker(name, bound, t0) : () => {};
    try {
      const r = await fn();
      stop();
      this.ok(`${name} (${formatDuration(performance.now() - t0)})`);
      return r;
    } catch (e) {
      stop();
      this.log.write('error', `${name} failed after ${formatDuration(performance.now() - t0)}`);
      throw e;
    }
  }

  /**
   * Runs `fn` under a progress line only (no start or end line): a live line on a terminal
   * once it takes a second, a plain line a minute otherwise. For work the caller reports itself.
   */
  async progress<T>(what: string, fn: () => Promise<T>, detail?: string): Promise<T> {
    const stop = this.ticker(what, detail, performance.now());
    try {
      return await fn();
    } finally {
      stop();
    }
  }

  /**
   * While a bounded wait runs: on a terminal one live line (what, elapsed, the bound) redrawn
   * every second; otherwise a plain "still waiting" line a minute. Returns the stopper.
   */
  private ticker(name: string, bound: string | undefined, t0: number): () => void {
    if (this.json || !this.enabled('info')) return () => {};
    const live = !!this.sink.live;
    const timer = setInterval(() => {
      const elapsed = formatDuration(performance.now() - t0);
      if (live) {
        this.sink.err(`\r\x1b[K… ${name}: ${elapsed}${bound ? ` (${bound})` : ''}`);
        this.liveShown = true;
      } else this.info(`still waiting: ${name}, ${elapsed} so far${bound ? ` (${bound})` : ''}`);
    }, live ? LIVE_TICK_MS : PLAIN_TICK_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      this.clearLive();
    };
  }
}

/** "850 ms", "12.3 s", "4m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** "1 file", "2 files"; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
