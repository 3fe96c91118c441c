import { runAssets, type Asset, type GenerateEnv } from '../../../pkg/assets/asset.js';
import { noPrior } from '../../../pkg/assets/prior.js';
import { freshKeys } from '../../../pkg/pki/keys.js';
import { systemRandom } from '../../../pkg/pki/random.js';

const env: GenerateEnv = { now: new Date(0), random: () => systemRandom, keys: freshKeys, prior: noPrior, rotateBootstrapToken: false, note: () => {} };

function asset(name: string, dependencies: string[], fn: (get: (n: string) => unknown) => unknown | Promise<unknown>): Asset {
  return { name, dependencies, generate: async (p) => ({ value: await fn((n) => p.get(n)), files: [] }) };
}

describe('the asset graph', () => {
  test('an asset sees the values of its dependencies', async () => {
    const out = await runAssets([asset('b', ['a'], (get) => `${get('a') as string}b`), asset('a', [], () => 'a')], env);
    expect(out.get('b')!.value).toBe('ab');
  });

  test('independent assets run concurrently', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const run = runAssets([
      asset('x', [], async () => { started.push('x'); await gate; }),
      asset('y', [], async () => { started.push('y'); await gate; }),
    ], env);
    await new Promise((r) => setTimeout(r, 10));
    expect(started.sort()).toEqual(['x', 'y']);
    release();
    await run;
  });

  test('a shared dependency is generated once', async () => {
    let n = 0;
    await runAssets([asset('ca', [], () => ++n), asset('l1', ['ca'], () => 1), asset('l2', ['ca'], () => 2)], env);
    expect(n).toBe(1);
  });

  test('a failing asset is named in the error', async () => {
    await expect(runAssets([asset('kubeadm/master-1', [], () => { throw new Error('boom'); })], env)).rejects.toThrow('rendering kubeadm/master-1: boom');
  });

  test('an unknown dependency and a cycle are internal errors', async () => {
    await expect(runAssets([asset('a', ['nope'], () => 1)], env)).rejects.toThrow('asset a depends on unknown nope');
    await expect(runAssets([asset('a', ['b'], () => 1), asset('b', ['a'], () => 1)], env)).rejects.toThrow(/dependency cycle/);
  });
});
