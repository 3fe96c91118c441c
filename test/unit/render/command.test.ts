import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCommand } from '../../../pkg/commands/render.js';
import { Ui } from '../../../pkg/ui/output.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';

// Renders under a loaded CI machine can pass jest's 5 s default.
jest.setTimeout(60_000);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nkd-render-cmd-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function capture(json = false) {
  let out = '';
  let err = '';
  return { ui: new Ui('info', json, { out: (t) => void (out += t), err: (t) => void (err += t) }), out: () => out, err: () => err };
}

/** ECDSA keys: generated in milliseconds, so these tests need no fixture keys. */
async function clusterFile(name: string, mutate?: (d: any) => void): Promise<string> {
  const doc = validClusterDoc();
  doc.spec.certificates = { keyType: 'ecdsa-p256' };
  mutate?.(doc);
  const file = join(root, `${name}.yaml`);
  await writeFile(file, toYaml(doc));
  return file;
}

describe('nkd render', () => {
  test('a cluster file with errors stops before any file is written', async () => {
    const file = await clusterFile('bad', (d) => (d.spec.nodes[1].ip = '10.96.0.5'));
    const dir = join(root, 'bad-out');
    const c = capture();
    const e = await renderCommand({ ui: c.ui, dir, env: {}, signal: new AbortController().signal }, { file }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NkdError);
    expect((e as NkdError).code).toBe(2);
    await expect(stat(dir)).rejects.toThrow();
  });

  test('prints a summary with each Ignition config size and where the admin kubeconfig is', async () => {
    const file = await clusterFile('ok');
    const dir = join(root, 'ok-out');
    const c = capture();
    await renderCommand({ ui: c.ui, dir, env: {}, signal: new AbortController().signal }, { file });
    expect(c.err()).toMatch(/✓ rendered cluster demo into .* in \d+ ms: \d+ files written, 0 unchanged/);
    expect(c.out()).toMatch(/Ignition configs:\n {2}master-1 +\d+\.\d KiB {2}control-plane 10\.231\.0\.11\n {2}worker-1 +\d+\.\d KiB {2}worker 10\.231\.0\.21/);
    expect(c.out()).toContain('Admin kubeconfig: ');
    expect(c.out()).not.toContain('BEGIN');

    const again = capture();
    await renderCommand({ ui: again.ui, dir, env: {}, signal: new AbortController().signal }, { file });
    expect(again.err()).toContain('reusing the CAs, keys and bootstrap token of the previous render');
    expect(again.err()).toMatch(/: 0 files written, \d+ unchanged/);
  });

  test('--json prints the render result with sizes on stdout and no secret', async () => {
    const file = await clusterFile('json');
    const c = capture(true);
    await renderCommand({ ui: c.ui, dir: join(root, 'json-out'), env: {}, signal: new AbortController().signal }, { file });
    const r = JSON.parse(c.out());
    expect(r.nodes.map((n: any) => n.name)).toEqual(['master-1', 'worker-1']);
    expect(r.sizes[0]).toEqual({ name: 'master-1', bytes: r.nodes[0].ignitionBytes, tooBig: false });
    expect(r.adminKubeconfigPath).toBe(join(root, 'json-out', 'auth/admin.conf'));
    const token = (await readFile(join(root, 'json-out', 'auth/bootstrap-token'), 'utf8')).trim();
    expect(c.out()).not.toContain(token);
    expect(c.err()).not.toContain(token);
  });

  test('the default directory is ./<metadata.name>', async () => {
    const file = await clusterFile('named', (d) => (d.metadata.name = 'named-cluster'));
    const cwd = process.cwd();
    process.chdir(root);
    try {
      await renderCommand({ ui: capture().ui, env: {}, signal: new AbortController().signal }, { file });
    } finally {
      process.chdir(cwd);
    }
    await stat(join(root, 'named-cluster', 'ignition', 'master-1.ign'));
  });
});
