/**
 * One render scenario in a fresh process (so peak memory is its own), printing one JSON line:
 * { renderMs, loadMs, maxRssMiB, files }.
 * Usage: node scenario.js <cp> <workers> <rsa-2048|ecdsa-p256> <fresh|fixed> [again]
 * (fixed: the golden fixture keys, to measure everything but key generation).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCluster } from '../../../pkg/assets/render.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import { freshKeys } from '../../../pkg/pki/keys.js';
import { fixtureKeys } from '../../golden/env.js';
import { benchCluster } from '../cluster-file.js';

const [cps = '3', workers = '3', keyType = 'rsa-2048', keySource = 'fresh', again] = process.argv.slice(2);
const keys = keySource === 'fixed' ? fixtureKeys : freshKeys;
const dir = join(mkdtempSync(join(tmpdir(), 'nkd-bench-render-')), 'c');
const t0 = performance.now();
const { config } = await loadClusterText(benchCluster(Number(cps), Number(workers), keyType), { file: 'bench.yaml', env: {} });
const t1 = performance.now();
let r = await renderCluster(config, { dir, keys });
const t2 = performance.now();
let againMs: number | undefined;
if (again) {
  r = await renderCluster(config, { dir, keys });
  againMs = performance.now() - t2;
}
console.log(JSON.stringify({
  loadMs: t1 - t0,
  renderMs: t2 - t1,
  againMs,
  againWritten: again ? r.written.length : undefined,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
  files: r.written.length + r.unchanged.length,
}));
rmSync(join(dir, '..'), { recursive: true, force: true });
