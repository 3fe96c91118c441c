/**
 * What the test fixtures that run real daemons share: slots, so fixtures running at once (jest
 * workers, engineers on one machine) take different addresses and ports, and a describe() that
 * skips with the reason outside CI when the environment is missing.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from '@jest/globals';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A slot this process holds: its number and its directory (for notes a later taker reads). */
export interface Slot {
  k: number;
  dir: string;
  /** Gives the slot back. */
  release(): Promise<void>;
}

/**
 * Takes the first free slot of `count` under `slotsDir` (a directory holding our PID). A slot
 * whose owner died is handed to `reclaim` first, which stops what that owner left running.
 */
export async function takeSlot(slotsDir: string, count: number, what: string, reclaim: (k: number, dir: string) => Promise<void>): Promise<Slot> {
  await mkdir(slotsDir, { recursive: true });
  for (let k = 0; k < count; k++) {
    const dir = join(slotsDir, String(k));
    try {
      await mkdir(dir);
    } catch {
      const owner = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => '0'));
      if (owner && alive(owner)) continue;
      await reclaim(k, dir);
    }
    await writeFile(join(dir, 'pid'), String(process.pid));
    return { k, dir, release: () => rm(dir, { recursive: true, force: true }) };
  }
  throw new Error(`all ${count} ${what} slots under ${slotsDir} are in use`);
}

/**
 * describe() for suites that need an environment: outside CI, skipped with the reason (`why`)
 * when it cannot run; in CI (CI=true) it always runs, so a missing environment fails loudly.
 */
export function describeWhenAvailable(why: string | undefined, name: string, fn: () => void): void {
  if (why && process.env.CI !== 'true') {
    console.warn(`skipping "${name}": ${why}`);
    describe.skip(`${name} (skipped: ${why})`, fn);
  } else describe(name, fn);
}
