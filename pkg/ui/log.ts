import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Log levels, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The debug log of a run: everything at every level, with stacks, appended to a file in the
 * cluster directory (set once the directory is known). Never given secrets.
 */
export class DebugLog {
  private file?: string;
  private buffered: string[] = [];

  /** Starts writing to `file` (creating its folder), flushing what was logged before. */
  attach(file: string): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.file = file;
    const pending = this.buffered.join('');
    this.buffered = [];
    if (pending) appendFileSync(file, pending, { mode: 0o600 });
  }

  /** The file being written, if any. */
  get path(): string | undefined {
    return this.file;
  }

  /** Appends one line with a timestamp and level. */
  write(level: LogLevel, message: string): void {
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`;
    if (this.file) appendFileSync(this.file, line, { mode: 0o600 });
    else this.buffered.push(line);
  }
}
