import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../pkg/paths.js';

/** What a run of the built nkd binary did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

let state: string | undefined;
/** A scratch XDG_STATE_HOME, so the debug log of runs without a cluster directory stays out of the tests' folders. */
function stateHome(): string {
  state ??= mkdtempSync(join(tmpdir(), 'nkd-state-'));
  return state;
}

/** Runs the built `nkd` (dist/) with arguments, in `cwd`, with a clean NKD_* environment. */
export function runNkd(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): CliRun {
  const bin = join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does)`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NKD_') && v !== undefined) env[k] = v;
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd,
    env: { ...env, XDG_STATE_HOME: stateHome(), ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
