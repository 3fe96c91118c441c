/**
 * Runs every benchmark (dist/test/bench/**\/*.bench.js, or those whose path contains an
 * argument) and prints one figure per line: `<name>: <value> <unit>`.
 * Usage: npm run bench [-- <filter>...]
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Reports one figure. */
export type Report = (name: string, value: number, unit: string) => void;

/** A benchmark module exports `run(report)`. */
export interface BenchModule {
  run(report: Report): Promise<void>;
}

function find(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.bench.js') ? [p] : [];
  });
}

const here = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = find(here).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
let failed = 0;
for (const f of files) {
  const name = relative(here, f).replace(/\.bench\.js$/, '');
  try {
    const mod = (await import(pathToFileURL(f).href)) as BenchModule;
    await mod.run((fig, value, unit) => console.log(`${name}/${fig}: ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`));
  } catch (e) {
    failed++;
    console.error(`${name}: failed: ${e instanceof Error ? e.stack : String(e)}`);
  }
}
process.exitCode = failed ? 1 : 0;
