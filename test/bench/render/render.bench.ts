import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Report } from '../run.js';
import { median } from '../stats.js';

const RUNS = 3;
const scenario = fileURLToPath(new URL('./scenario.js', import.meta.url));

interface Outcome {
  loadMs: number;
  renderMs: number;
  againMs?: number;
  againWritten?: number;
  maxRssMiB: number;
  files: number;
}

function once(cps: number, workers: number, keyType: string, again = false): Outcome {
  const out = execFileSync(process.execPath, [scenario, String(cps), String(workers), keyType, '-', ...(again ? ['again'] : [])], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Outcome;
}

function medianOf(cps: number, workers: number, keyType: string, again = false): Outcome {
  const runs = Array.from({ length: RUNS }, () => once(cps, workers, keyType, again));
  const m = (f: (o: Outcome) => number) => median(runs.map(f));
  return { loadMs: m((o) => o.loadMs), renderMs: m((o) => o.renderMs), againMs: m((o) => o.againMs ?? 0), againWritten: m((o) => o.againWritten ?? 0), maxRssMiB: m((o) => o.maxRssMiB), files: runs[0]!.files };
}

/**
 * `nkd render` wall time and peak memory (each scenario in a fresh process, median of 3):
 * 3 control-plane + 3 workers with RSA-2048 and ECDSA P-256, a re-render, and 3 + 1,000
 * workers; plus one RSA-2048 key generation for scale (the original NKD made 15 serially).
 * Goals (issue 4): 3+3 under 600 ms; under 2 ms per extra worker.
 */
export async function run(report: Report): Promise<void> {
  const keygen: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    generateKeyPairSync('rsa', { modulusLength: 2048 });
    keygen.push(performance.now() - t);
  }
  report('rsa-2048-keygen-median', median(keygen), 'ms');

  const small = medianOf(3, 3, 'rsa-2048', true);
  report('3cp-3w-rsa-render', small.renderMs, 'ms');
  report('3cp-3w-rsa-peak-rss', small.maxRssMiB, 'MiB');
  report('3cp-3w-rerender-unchanged', small.againMs!, 'ms');
  report('3cp-3w-rerender-files-written', small.againWritten!, 'files');
  const ec = medianOf(3, 3, 'ecdsa-p256');
  report('3cp-3w-ecdsa-render', ec.renderMs, 'ms');
  const big = medianOf(3, 1000, 'rsa-2048');
  report('3cp-1000w-rsa-render', big.renderMs, 'ms');
  report('3cp-1000w-rsa-peak-rss', big.maxRssMiB, 'MiB');
  report('3cp-1000w-load-config', big.loadMs, 'ms');
  report('per-extra-worker', (big.renderMs - small.renderMs) / 997, 'ms');
  report('3cp-1000w-files', big.files, 'files');
}
