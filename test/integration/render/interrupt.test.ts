/**
 * A real `nkd render` process killed with SIGKILL at many points of a large re-render leaves
 * the directory holding one render — the old or the new, never a mix — once the next render
 * (or ClusterStore.open) has run its recovery.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCluster } from '../../../pkg/assets/render.js';
import { ClusterStore } from '../../../pkg/assets/store.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import { packageRoot } from '../../../pkg/paths.js';
import { listTree } from '../../golden/tree.js';
import { fixtureKeys } from '../../golden/env.js';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';

const WORKERS = 300;
const main = join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');

function doc(pool: string): Record<string, any> {
  const d = validClusterDoc();
  d.spec.network.cidr = '10.231.0.0/16';
  d.spec.kubernetes.networking = { podSubnet: '10.128.0.0/12' };
  d.spec.nodes = [
    { name: 'master-1', role: 'control-plane', ip: '10.231.0.11' },
    ...Array.from({ length: WORKERS }, (_, i) => ({ name: `worker-${i + 1}`, role: 'worker', ip: `10.231.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`, labels: { pool: pool } })),
  ];
  return d;
}

/** Every file of the manifest is on disk with its hash, and nothing render owns is extra. */
async function consistentRender(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
  for (const f of manifest.files) {
    const sha = createHash('sha256').update(await readFile(join(dir, f.path))).digest('hex');
    if (sha !== f.sha256) throw new Error(`${f.path} does not match manifest.json: a mix of two renders`);
  }
  // .gitignore: written by the render command after the commit, not part of the asset tree
  const listed = new Set([...manifest.files.map((f) => f.path), 'manifest.json', '.nkd/state.json', '.gitignore']);
  const extra = (await listTree(dir)).filter((f) => !listed.has(f) && !f.startsWith('.nkd/'));
  if (extra.length) throw new Error(`files not in manifest.json: ${extra.slice(0, 5).join(', ')}`);
  const labels = new Set<string>();
  for (const f of manifest.files.filter((x) => x.path.startsWith('kubeadm/worker-'))) {
    const m = /node-labels\n\s+value: pool=(\w+)/.exec(await readFile(join(dir, f.path), 'utf8'));
    labels.add(m?.[1] ?? '?');
  }
  if (labels.size !== 1) throw new Error(`workers of different renders: ${[...labels].join(', ')}`);
  return [...labels][0]!;
}

let root: string;
beforeAll(async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  root = await mkdtemp(join(tmpdir(), 'nkd-interrupt-'));
}, 60_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('a render killed at any point leaves the old or the new render, never a mix', async () => {
  const dir = join(root, 'cluster');
  const { config } = await loadClusterText(toYaml(doc('a')), { file: join(root, 'a.yaml'), env: {} });
  await renderCluster(config, { dir }, { keys: fixtureKeys });
  const outcomes: string[] = [];
  let pool = 'a';
  for (const delay of [150, 400, 700, 1000, 1300, 1600, 2000, 2500, 3000, 4000]) {
    const next = pool === 'a' ? 'b' : 'a';
    const file = join(root, `${next}.yaml`);
    await writeFile(file, toYaml(doc(next)));
    const child = spawn(process.execPath, [main, 'render', '-f', file, '--dir', dir], { stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    await ClusterStore.open(dir, 'demo'); // recovery: complete or discard the interrupted commit
    pool = await consistentRender(dir);
    outcomes.push(`${delay}ms:${pool === next ? 'new' : 'old'}`);
  }
  // Both outcomes occur across the kill points (the render takes longer than the first ones).
  expect(outcomes.some((o) => o.endsWith('old'))).toBe(true);
  expect(outcomes.some((o) => o.endsWith('new'))).toBe(true);
}, 300_000);
