import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../pkg/infra/journal.js';
import { ExitCode } from '../../../pkg/ui/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nkd-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (clusterId = 'demo') => Journal.open(join(dir, '.nkd', 'journal.json'), { clusterId, provider: 'libvirt', providerConfig: { uri: 'test:///default' } });
const onDisk = async () => JSON.parse(await readFile(join(dir, '.nkd', 'journal.json'), 'utf8'));

describe('the provider journal', () => {
  it('writes nothing until the first change', async () => {
    await open();
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('records a resource before ("creating") and after ("created") its creation, on disk each time', async () => {
    const j = await open();
    await j.begin({ kind: 'domain', name: 'demo-m1' }, { node: 'm1' });
    expect((await onDisk()).entries).toEqual([expect.objectContaining({ kind: 'domain', name: 'demo-m1', state: 'creating', owned: true, adopted: false, attrs: { node: 'm1' } })]);
    await j.done({ kind: 'domain', name: 'demo-m1' }, { consoleLog: '/x' });
    expect((await onDisk()).entries).toEqual([expect.objectContaining({ state: 'created', attrs: { node: 'm1', consoleLog: '/x' } })]);
  });

  it('is written 0600 and leaves no temporary file behind', async () => {
    const j = await open();
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.done({ kind: 'volume', name: `v${i}` })));
    expect((await stat(j.file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, '.nkd'))).toEqual(['journal.json']);
    expect((await onDisk()).entries).toHaveLength(20);
  });

  it('resumes from the file: a reopened journal has every entry and completed phase', async () => {
    const j = await open();
    await j.begin({ kind: 'network', name: 'nkd-demo' });
    await j.done({ kind: 'pool', name: 'nkd-demo' }, {}, { adopted: true, owned: false });
    await j.phaseDone('provision', 1234.4);
    const again = await open();
    expect(again.get('network', 'nkd-demo')?.state).toBe('creating');
    expect(again.get('pool', 'nkd-demo')).toMatchObject({ adopted: true, owned: false });
    expect(again.phases().provision?.ms).toBe(1234);
    expect(again.providerConfig).toEqual({ uri: 'test:///default' });
  });

  it('forgets a deleted resource after marking it "deleting"', async () => {
    const j = await open();
    await j.done({ kind: 'domain', name: 'a' });
    await j.deleting({ kind: 'domain', name: 'a' });
    expect(j.get('domain', 'a')?.state).toBe('deleting');
    await j.forget({ kind: 'domain', name: 'a' });
    expect((await onDisk()).entries).toEqual([]);
  });

  it('refuses a journal of another cluster with a usage error naming both', async () => {
    const j = await open('demo');
    await j.flush();
    await expect(open('other')).rejects.toMatchObject({
      code: ExitCode.Usage,
      message: `${j.file} belongs to cluster "demo" on libvirt, not "other" on libvirt`,
    });
  });

  it('reports an unreadable journal instead of starting over', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, '.nkd'));
    await writeFile(join(dir, '.nkd', 'journal.json'), '{ not json');
    await expect(open()).rejects.toMatchObject({ code: ExitCode.Usage, message: expect.stringMatching(/not a readable nkd journal/) });
  });
});
