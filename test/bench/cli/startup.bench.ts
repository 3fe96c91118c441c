import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../pkg/paths.js';
import type { Report } from '../run.js';
import { median, timeRuns } from '../stats.js';

const RUNS = 15;

/** Cold start of the nkd process: `--version`, and `validate` on small and large files. */
export async function run(report: Report): Promise<void> {
  const bin = join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');
  const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'nkd-bench-'));
  const small = join(dir, 'small.yaml');
  writeFileSync(small, node([bin, 'template', '--platform', 'libvirt', '--control-planes', '3', '--workers', '2']).stdout);
  const large = join(dir, 'large.yaml');
  writeFileSync(large, bigCluster(1000));

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

/** A cluster file with 3 control-plane nodes and `workers` workers in a /16. */
function bigCluster(workers: number): string {
  const nodes = [
    ...[1, 2, 3].map((i) => `    - { name: master-${i}, role: control-plane, ip: 10.231.0.${10 + i} }`),
    ...Array.from({ length: workers }, (_, i) => `    - { name: worker-${i + 1}, role: worker, ip: 10.231.${1 + Math.floor(i / 250)}.${1 + (i % 250)} }`),
  ];
  return [
    'apiVersion: nkd.nestos.openeuler.org/v1alpha1',
    'kind: Cluster',
    'metadata: { name: big }',
    'spec:',
    '  platform: libvirt',
    '  libvirt: { osImage: /x.qcow2, network: { cidr: 10.231.0.0/16 } }',
    '  nodes:',
    ...nodes,
    '  kubernetes:',
    '    version: "1.34.1"',
    '    controlPlaneEndpoint: { host: 10.231.0.10, vip: { enabled: true } }',
    '    networking: { podSubnet: 10.128.0.0/12 }',
    `  os: { releaseImage: "r.example.com/n@sha256:${'1'.repeat(64)}" }`,
    '',
  ].join('\n');
}
