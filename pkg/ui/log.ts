import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClusterDir } from '../cluster-dir.js';

/** Log levels, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Most bytes kept in memory while no log file is open (older lines are dropped first). */
const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync spins forever where a parent
 * exists but refuses children with ENOENT (/proc).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`${d}: not a directory`), { code: 'ENOTDIR' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw e;
      missing.unshift(d);
    }
  }
  for (const d of missing) mkdirSync(d, { mode: 0o700 });
}

/**
 * The debug log of a run: everything at every level, with stacks, appended to a file in the
 * cluster directory (set once the directory is known). Never given secrets. Opening the file
 * never throws: a log that cannot be written is reported by {@link DebugLog.problem} and the
 * run goes on without it.
 */
export class DebugLog {
  private file?: string;
  private clusterDir?: string;
  private buffered: string[] = [];
  private bufferedBytes = 0;
  /** Why the log file could not be opened, if it could not. */
  problem?: string;

  /**
   * Starts writing to `file` (creating its folder), flushing what was logged before.
   * Returns false (and sets {@link problem}) when the file cannot be created.
   */
  attach(file: string): boolean {
    try {
      makeDirs(dirname(file));
      const pending = this.buffered.join('');
      appendFileSync(file, pending, { mode: 0o600 });
      this.file = file;
      this.buffered = [];
      this.bufferedBytes = 0;
      this.problem = undefined;
      return true;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.problem = `cannot write the debug log ${file}: ${err.code ?? err.message}`;
      return false;
    }
  }

  /**
   * Logs to `<dir>/.nkd/nkd.log` once `dir` exists as a directory: nkd never creates a
   * directory just to log into it (a mistyped --dir stays absent).
   */
  useClusterDir(dir: string): void {
    if (this.file) return;
    this.clusterDir = dir;
    this.attachClusterDir();
  }

  private attachClusterDir(): void {
    if (!this.clusterDir || this.file) return;
    let isDir = false;
    try {
      isDir = statSync(this.clusterDir).isDirectory();
    } catch {
      return;
    }
    const dir = this.clusterDir;
    this.clusterDir = undefined;
    if (isDir) this.attach(new ClusterDir(dir).log);
  }

  /** The file being written, if any. */
  get path(): string | undefined {
    this.attachClusterDir();
    return this.file;
  }

  /** Appends one line with a timestamp and level. */
  write(level: LogLevel, message: string): void {
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`;
    this.attachClusterDir();
    if (this.file) {
      try {
        appendFileSync(this.file, line, { mode: 0o600 });
        return;
      } catch (e) {
        this.problem = `cannot write the debug log ${this.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
        this.file = undefined;
      }
    }
    this.buffered.push(line);
    this.bufferedBytes += line.length;
    while (this.bufferedBytes > MAX_BUFFERED && this.buffered.length > 1) this.bufferedBytes -= this.buffered.shift()!.length;
  }
}
