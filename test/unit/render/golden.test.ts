// Golden files: each fixture under test/golden/ is rendered with fixed keys, clock and
// randomness, and the whole tree is compared file by file with test/golden/<fixture>/tree/.
// Regenerate (then review the diff like code): bash hack/update-golden.sh
import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterConfig } from '../../../pkg/config/load.js';
import { renderCluster } from '../../../pkg/assets/render.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { copyTree, GOLDEN_DIR, goldenFixtures, listTree } from '../../golden/tree.js';

// Renders under a loaded CI machine can pass jest's 5 s default.
jest.setTimeout(60_000);

const update = process.env.UPDATE_GOLDEN === '1';
const fixtures = await goldenFixtures();

describe('golden render trees', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nkd-golden-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('there are golden fixtures for one node, 3+2 with a VIP, each runtime and a bare-metal VLAN network', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['single-node', 'ha-3cp-2w-vip', 'runtime-crio', 'runtime-isulad', 'runtime-docker', 'baremetal-vlan']));
  });

  test.each(fixtures)('fixture %s renders exactly its golden tree', async (name) => {
    const file = join(GOLDEN_DIR, name, 'cluster.yaml');
    const { config, baseDir } = await loadClusterConfig({ file, env: {} });
    const out = join(scratch, name);
    await renderCluster(config, { dir: out, baseDir }, goldenRenderDeps());
    const expectedDir = join(GOLDEN_DIR, name, 'tree');
    if (update) await copyTree(out, expectedDir);
    const got = await listTree(out);
    expect(got).toEqual(await listTree(expectedDir));
    for (const f of got) {
      const [a, b] = await Promise.all([readFile(join(out, f), 'utf8'), readFile(join(expectedDir, f), 'utf8')]);
      if (a !== b) throw new Error(`${name}: ${f} differs from test/golden/${name}/tree/${f}; if the change is intended run bash hack/update-golden.sh and review the diff`);
    }
  });
});
