import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Report } from '../run.js';
import { median } from '../stats.js';

const RUNS = 3;
const scenario = fileURLToPath(new URL('./scenario.js', import.meta.url));

interface Outcome {
  loadMs: number;
  renderMs: number;
  againMs: number;
  againWritten: number;
  maxRssMiB: number;
  files: number;
}

function once(cps: number, workers: number, keyType: string, keys: 'fresh' | 'fixed', again: boolean): Outcome {
  const out = execFileSync(process.execPath, [scenario, String(cps), String(workers), keyType, keys, ...(again ? ['again'] : [])], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Outcome;
}

/** Median of RUNS fresh processes (peak RSS is each process's own). */
function measure(cps: number, workers: number, keyType: string, keys: 'fresh' | 'fixed', again = false): Outcome {
  const runs = Array.from({ length: RUNS }, () => once(cps, workers, keyType, keys, again));
  const m = (f: (o: Outcome) => number) => median(runs.map(f));
  return { loadMs: m((o) => o.loadMs), renderMs: m((o) => o.renderMs), againMs: m((o) => o.againMs ?? 0), againWritten: m((o) => o.againWritten ?? 0), maxRssMiB: m((o) => o.maxRssMiB), files: runs[0]!.files };
}

async function rsaKeys(n: number): Promise<number> {
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, () =>
    webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])));
  return performance.now() - t;
}

/**
 * `nkd render` wall time and peak memory, each scenario in fresh processes (median of 3).
 * Goals (issue 4): 3+3 RSA-2048 under 600 ms (the original NKD: ~3 s, fifteen serial RSA key
 * generations); under 2 ms per extra worker. Key generation dominates a fresh RSA render, so
 * the figures separate it: "fixed-keys" renders use the golden fixture keys.
 */
export async function run(report: Report): Promise<void> {
  const one: number[] = [];
  for (let i = 0; i < 5; i++) one.push(await rsaKeys(1));
  report('rsa-2048-keygen-one-median', median(one), 'ms');
  report('rsa-2048-keygen-15-parallel', median([await rsaKeys(15), await rsaKeys(15), await rsaKeys(15)]), 'ms');

  const rsa = measure(3, 3, 'rsa-2048', 'fresh', true);
  report('3cp-3w-rsa-fresh-keys-render', rsa.renderMs, 'ms');
  report('3cp-3w-rsa-fresh-keys-peak-rss', rsa.maxRssMiB, 'MiB');
  report('3cp-3w-rerender-unchanged', rsa.againMs, 'ms');
  report('3cp-3w-rerender-files-written', rsa.againWritten, 'files');
  report('3cp-3w-ecdsa-fresh-keys-render', measure(3, 3, 'ecdsa-p256', 'fresh').renderMs, 'ms');
  const fixed = measure(3, 3, 'rsa-2048', 'fixed');
  report('3cp-3w-rsa-fixed-keys-render', fixed.renderMs, 'ms');
  const bigFixed = measure(3, 1000, 'rsa-2048', 'fixed', true);
  report('3cp-1000w-rsa-fixed-keys-render', bigFixed.renderMs, 'ms');
  report('3cp-1000w-rsa-fixed-keys-peak-rss', bigFixed.maxRssMiB, 'MiB');
  report('3cp-1000w-rerender-unchanged', bigFixed.againMs, 'ms');
  report('per-extra-worker', (bigFixed.renderMs - fixed.renderMs) / 997, 'ms');
  const big = measure(3, 1000, 'rsa-2048', 'fresh');
  report('3cp-1000w-rsa-fresh-keys-render', big.renderMs, 'ms');
  report('3cp-1000w-rsa-fresh-keys-peak-rss', big.maxRssMiB, 'MiB');
  report('3cp-1000w-files', big.files, 'files');
}
