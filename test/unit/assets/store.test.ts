import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssetFile } from '../../../pkg/assets/asset.js';
import type { RenderState } from '../../../pkg/assets/state.js';
import { ClusterStore, recoverInterruptedRender } from '../../../pkg/assets/store.js';

const state = (cluster = 'demo'): RenderState => ({ apiVersion: 'nkd.nestos.openeuler.org/v1alpha1', kind: 'RenderState', cluster, assets: {} });
const files = (v: string): AssetFile[] => [
  { path: 'pki/ca.key', contents: `key ${v}\n`, secret: true },
  { path: 'pki/ca.crt', contents: `crt ${v}\n`, secret: false },
  { path: 'ignition/a.ign', contents: `{"a":"${v}"}\n`, secret: true },
];

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'nkd-store-')), 'demo');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const read = (p: string) => readFile(join(dir, p), 'utf8');
const mode = async (p: string) => (await stat(join(dir, p))).mode & 0o777;

describe('the cluster directory store', () => {
  test('writes secrets 0600 and other files 0644, plus manifest.json and the state file', async () => {
    const s = await ClusterStore.open(dir, 'demo');
    const r = await s.commit(files('1'), state());
    expect(r.written).toEqual(['ignition/a.ign', 'pki/ca.crt', 'pki/ca.key', 'manifest.json', '.nkd/state.json']);
    expect(await mode('pki/ca.key')).toBe(0o600);
    expect(await mode('ignition/a.ign')).toBe(0o600);
    expect(await mode('pki/ca.crt')).toBe(0o644);
    expect(await mode('pki')).toBe(0o700);
    const manifest = JSON.parse(await read('manifest.json'));
    expect(manifest.files.map((f: any) => [f.path, f.mode])).toEqual([['ignition/a.ign', '0600'], ['pki/ca.crt', '0644'], ['pki/ca.key', '0600']]);
  });

  test('a second commit of the same files writes nothing and leaves modification times alone', async () => {
    await (await ClusterStore.open(dir, 'demo')).commit(files('1'), state());
    const before = (await stat(join(dir, 'pki/ca.key'))).mtimeMs;
    const r = await (await ClusterStore.open(dir, 'demo')).commit(files('1'), state());
    expect(r.written).toEqual([]);
    expect((await stat(join(dir, 'pki/ca.key'))).mtimeMs).toBe(before);
  });

  test('files the previous render wrote but this one does not are removed, with their empty folders', async () => {
    await (await ClusterStore.open(dir, 'demo')).commit([...files('1'), { path: 'pki/nodes/m3/apiserver.crt', contents: 'x', secret: false }], state());
    const r = await (await ClusterStore.open(dir, 'demo')).commit(files('1'), state());
    expect(r.removed).toEqual(['pki/nodes/m3/apiserver.crt']);
    await expect(stat(join(dir, 'pki/nodes'))).rejects.toThrow();
  });

  test('a render interrupted before its commit record leaves the old files', async () => {
    await (await ClusterStore.open(dir, 'demo')).commit(files('old'), state());
    const s = await ClusterStore.open(dir, 'demo', { observer: { afterStage: () => { throw new Error('killed'); } } });
    await expect(s.commit(files('new'), state())).rejects.toThrow('killed');
    expect(await recoverInterruptedRender(dir)).toBe('discarded');
    expect(await read('pki/ca.key')).toBe('key old\n');
    expect(await read('ignition/a.ign')).toBe('{"a":"old"}\n');
  });

  test('a render interrupted after its commit record is completed on the next open: all new files', async () => {
    await (await ClusterStore.open(dir, 'demo')).commit(files('old'), state());
    const s = await ClusterStore.open(dir, 'demo', { observer: { afterCommitRecord: () => { throw new Error('killed'); } } });
    await expect(s.commit(files('new'), state())).rejects.toThrow('killed');
    expect(await read('pki/ca.key')).toBe('key old\n'); // nothing moved yet
    await ClusterStore.open(dir, 'demo');
    expect(await read('pki/ca.key')).toBe('key new\n');
    expect(await read('pki/ca.crt')).toBe('crt new\n');
    expect(await read('ignition/a.ign')).toBe('{"a":"new"}\n');
    await expect(stat(join(dir, '.nkd/staging'))).rejects.toThrow();
  });

  test('refuses a directory whose state belongs to another cluster', async () => {
    await (await ClusterStore.open(dir, 'other')).commit(files('1'), state('other'));
    await expect(ClusterStore.open(dir, 'demo')).rejects.toThrow(`${dir}: belongs to cluster "other", not "demo" (.nkd/state.json)`);
  });

  test("refuses a directory whose cluster.yaml names another cluster", async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cluster.yaml'), 'metadata:\n  name: prod\n');
    await expect(ClusterStore.open(dir, 'demo')).rejects.toThrow('belongs to cluster "prod" (its cluster.yaml), not "demo"');
  });

  test('refuses rendered files without a state file, and a state file that is not one', async () => {
    await mkdir(join(dir, 'pki'), { recursive: true });
    await expect(ClusterStore.open(dir, 'demo')).rejects.toThrow('has rendered files (pki) but no .nkd/state.json');
    await mkdir(join(dir, '.nkd'), { recursive: true });
    await writeFile(join(dir, '.nkd/state.json'), '{"kind":"Other"}');
    await expect(ClusterStore.open(dir, 'demo')).rejects.toThrow('.nkd/state.json: not an nkd render state');
  });

  test('a directory with unrelated files only (a git checkout) is accepted', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'README.md'), 'hi');
    await (await ClusterStore.open(dir, 'demo')).commit(files('1'), state());
    expect(await read('README.md')).toBe('hi');
  });
});
