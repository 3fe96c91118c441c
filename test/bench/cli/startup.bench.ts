import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../pkg/paths.js';
import type { Report } from '../run.js';
import { median, timeRuns } from '../stats.js';
import { benchCluster } from '../cluster-file.js';

const RUNS = 15;

/** Cold start of the nkd process: `--version`, and `validate` on small and large files. */
export async function run(report: Report): Promise<void> {
  const bin = join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');
  const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'nkd-bench-'));
  const small = join(dir, 'small.yaml');
  writeFileSync(small, node([bin, 'template', '--platform', 'libvirt', '--control-planes', '3', '--workers', '2']).stdout);
  const large = join(dir, 'large.yaml');
  writeFileSync(large, benchCluster(3, 1000));

  const bare = median(await timeRuns(RUNS, () => node(['-e', ''])));
  const version = median(await timeRuns(RUNS, () => node([bin, '--version'])));
  const validateSmall = median(await timeRuns(RUNS, () => node([bin, 'validate', '-f', small])));
  const validateLarge = median(await timeRuns(5, () => node([bin, 'validate', '-f', large])));
  report('node-empty-process-median', bare, 'ms');
  report('version-median', version, 'ms');
  report('version-over-empty-node', version - bare, 'ms');
  report('validate-3cp-2w-median', validateSmall, 'ms');
  report('validate-3cp-1000w-median', validateLarge, 'ms');
}
