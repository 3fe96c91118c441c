import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../pkg/paths.js';

/** What a run of the built nkd binary did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runNkd}. */
export interface RunOptions {
  cwd?: string;
  /** Added to a clean environment (NKD_* removed, XDG_STATE_HOME a scratch folder). */
  env?: Record<string, string>;
  input?: string;
  /** Run as nobody (uid/gid 65534, through setpriv): tests run as root, and root reads every file. */
  asNobody?: boolean;
  timeoutMs?: number;
}

let state: string | undefined;
/** A scratch XDG_STATE_HOME, so the debug log of runs without a cluster directory stays out of the tests' folders. */
export function stateHome(): string {
  state ??= mkdtempSync(join(tmpdir(), 'nkd-state-'));
  return state;
}

let traversable = false;
/**
 * Lets nobody reach the checkout (search permission only, on each folder above it that lacks
 * it): a clone under a 0700 folder (mkdtemp, a CI workspace) would otherwise keep nobody from
 * loading nkd at all, and every run as nobody would fail for that reason instead of the tested one.
 */
function traversableByAll(file: string): void {
  if (traversable) return;
  for (let d = dirname(file); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
  }
  traversable = true;
}

/** The built entry point; throws when `npm run build` has not run. */
export function nkdBin(): string {
  const bin = join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does)`);
  return bin;
}

function command(args: string[], opts: RunOptions): { file: string; argv: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NKD_') && v !== undefined) env[k] = v;
  const argv = [nkdBin(), ...args];
  const full = { ...env, XDG_STATE_HOME: stateHome(), ...opts.env };
  if (opts.asNobody) {
    traversableByAll(nkdBin());
    return { file: 'setpriv', argv: ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv], env: full };
  }
  return { file: process.execPath, argv, env: full };
}

/** Runs the built `nkd` (dist/) with arguments, in `cwd`, with a clean NKD_* environment. */
export function runNkd(args: string[], opts: RunOptions = {}): CliRun {
  const c = command(args, opts);
  const r = spawnSync(c.file, c.argv, { cwd: opts.cwd, env: c.env, input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts the built `nkd` and sends it `signal` as soon as it has written `afterStderr` to stderr;
 * resolves with what it did.
 */
export function signalNkd(args: string[], signal: NodeJS.Signals, afterStderr: RegExp, opts: RunOptions = {}): Promise<CliRun> {
  const c = command(args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(c.file, c.argv, { cwd: opts.cwd, env: c.env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && afterStderr.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
