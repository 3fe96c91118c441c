import { jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { AssetFile } from '../../../pkg/assets/asset.js';
import { ClusterStore } from '../../../pkg/assets/store.js';
import { listTree } from '../../golden/tree.js';
import { readFile } from 'node:fs/promises';

jest.setTimeout(60_000);

const PATHS = ['pki/ca.key', 'pki/ca.crt', 'pki/nodes/m1/apiserver.crt', 'pki/nodes/m2/apiserver.crt', 'ignition/w1.ign', 'ignition/w2.ign', 'kubeadm/w1.yaml', 'cluster.yaml'];
const state = { apiVersion: 'nkd.nestos.openeuler.org/v1alpha1' as const, kind: 'RenderState' as const, cluster: 'demo', assets: {} };

const renderArb = fc.record({
  files: fc.dictionary(fc.constantFrom(...PATHS), fc.constantFrom('a', 'b', 'c'), { minKeys: 1 }),
  interrupt: fc.constantFrom('none', 'afterStage', 'afterCommitRecord'),
});

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listTree(dir)) if (!f.startsWith('.nkd/') && f !== 'manifest.json') out[f] = await readFile(join(dir, f), 'utf8');
  return out;
}

test('whatever the renders and wherever they are interrupted, the directory holds exactly the old or the new files', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(renderArb, { minLength: 1, maxLength: 4 }), async (renders) => {
      const dir = join(await mkdtemp(join(tmpdir(), 'nkd-prop-')), 'd');
      try {
        let current: Record<string, string> = {};
        for (const r of renders) {
          const files: AssetFile[] = Object.entries(r.files).map(([path, v]) => ({ path, contents: `${path}=${v}\n`, secret: path.endsWith('.key') }));
          const next = Object.fromEntries(files.map((f) => [f.path, f.contents as string]));
          const fail = () => { throw new Error('interrupted'); };
          const hooks = r.interrupt === 'none' ? {} : { [r.interrupt]: fail };
          await (await ClusterStore.open(dir, 'demo', { observer: hooks })).commit(files, state).catch((e: Error) => {
            if (e.message !== 'interrupted') throw e;
          });
          await ClusterStore.open(dir, 'demo'); // the next run's recovery
          const got = await tree(dir);
          const expected = r.interrupt === 'afterStage' ? current : next;
          expect(got).toEqual(expected);
          current = expected;
        }
      } finally {
        await rm(join(dir, '..'), { recursive: true, force: true });
      }
    }),
    { numRuns: 40 },
  );
});
