/**
 * One Ctrl-C (SIGINT) to the built `nkd render`, at the two moments where it used to be
 * ignored or contradicted: during key generation (honoured only after every key was made) and
 * while the files are written (it printed "stopping" and then "rendered").
 */
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../pkg/paths.js';
import { listTree } from '../../golden/tree.js';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';
import { runNkd } from '../../helpers/cli.js';

jest.setTimeout(180_000);

const main = join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');

interface Outcome {
  code: number | null;
  stderr: string;
  stdout: string;
  /** Milliseconds from the SIGINT to the exit. */
  afterSignalMs: number;
}

/** Runs `nkd render` and sends one SIGINT once `when` says so (checked on every stderr chunk and every 2 ms). */
function renderAndInterrupt(args: string[], when: (stderr: string) => boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: join(root, 'state') };
    for (const k of Object.keys(env)) if (k.startsWith('NKD_')) delete env[k];
    const child = spawn(process.execPath, [main, 'render', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let sentAt: number | undefined;
    const check = (): void => {
      if (sentAt === undefined && when(stderr)) {
        sentAt = performance.now();
        child.kill('SIGINT');
        clearInterval(timer);
      }
    };
    const timer = setInterval(check, 2);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (sentAt === undefined) reject(new Error(`nkd render ended before the moment to interrupt it came (exit ${code}):\n${stderr}`));
      else resolve({ code, stderr, stdout, afterSignalMs: performance.now() - sentAt });
    });
  });
}

function clusterFile(workers: number, pool: string, certificates?: Record<string, string>): string {
  const d = validClusterDoc();
  d.spec.network.cidr = '10.231.0.0/16';
  d.spec.kubernetes.networking = { podSubnet: '10.128.0.0/12' };
  d.spec.kubernetes.controlPlaneEndpoint = { host: '10.231.0.10', vip: { enabled: true } };
  d.spec.nodes = [
    ...[1, 2, 3].map((i) => ({ name: `master-${i}`, role: 'control-plane', ip: `10.231.0.${10 + i}` })),
    ...Array.from({ length: workers }, (_, i) => ({ name: `worker-${i + 1}`, role: 'worker', ip: `10.231.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`, labels: { pool } })),
  ];
  if (certificates) d.spec.certificates = certificates;
  return toYaml(d);
}

/** The pool label every worker of the directory carries, after checking the files match manifest.json. */
async function renderedPool(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
  const pools = new Set<string>();
  for (const f of manifest.files) {
    const text = await readFile(join(dir, f.path));
    if (createHash('sha256').update(text).digest('hex') !== f.sha256) throw new Error(`${f.path} does not match manifest.json: a mix of two renders`);
    if (f.path.startsWith('kubeadm/worker-')) pools.add(/value: pool=(\w+)/.exec(text.toString())?.[1] ?? '?');
  }
  if (pools.size !== 1) throw new Error(`workers of different renders: ${[...pools].join(', ')}`);
  return [...pools][0]!;
}

let root: string;
beforeAll(async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  root = await mkdtemp(join(tmpdir(), 'nkd-cli-interrupt-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('one Ctrl-C during key generation stops nkd render within a second: exit 130, no rendered file', async () => {
  // 28 RSA-2048 keys (leaves by nkd): seconds of key generation on this machine.
  const file = join(root, 'keys.yaml');
  await writeFile(file, clusterFile(2, 'a', { keyType: 'rsa-2048', leafCertificates: 'nkd' }));
  const dir = join(root, 'keys');
  const o = await renderAndInterrupt(['-f', file, '--dir', dir], (err) => err.includes('generating 28 RSA-2048 keys'));
  expect({ code: o.code, stdout: o.stdout }).toEqual({ code: 130, stdout: '' });
  expect(o.stderr).toContain('render interrupted before writing: the cluster directory is unchanged');
  expect(o.stderr).not.toMatch(/rendered cluster/);
  expect(o.afterSignalMs).toBeLessThan(1000);
  const files = existsSync(dir) ? (await listTree(dir)).filter((f) => !f.startsWith('.nkd/')) : [];
  expect(files).toEqual([]);
});

test('Ctrl-C while the files are written never reports "rendered": exit 130, and the directory holds the render the message names', async () => {
  const dir = join(root, 'write');
  const a = join(root, 'a.yaml');
  await writeFile(a, clusterFile(1500, 'a'));
  const first = runNkd(['render', '-f', a, '--dir', dir]);
  expect(first.code).toBe(0);
  const b = join(root, 'b.yaml');
  await writeFile(b, clusterFile(1500, 'b'));
  // Every worker's files change, so the staging phase is long enough to be caught.
  const o = await renderAndInterrupt(['-f', b, '--dir', dir], () => existsSync(join(dir, '.nkd', 'staging')) || existsSync(join(dir, '.nkd', 'commit.json')));
  expect(o.code).toBe(130);
  expect(o.stderr).not.toMatch(/rendered cluster/);
  const unchanged = o.stderr.includes('render interrupted before writing: the cluster directory is unchanged');
  const complete = o.stderr.includes('render interrupted while writing, after its commit point: the new render is complete');
  expect([unchanged, complete].filter(Boolean)).toHaveLength(1);
  expect(await renderedPool(dir)).toBe(unchanged ? 'a' : 'b');
  expect(existsSync(join(dir, '.nkd', 'staging'))).toBe(false);
});

test('an RSA-2048 render of the built nkd (keys from child processes) writes keys that match their certificates', async () => {
  const file = join(root, 'rsa.yaml');
  await writeFile(file, clusterFile(1, 'a', { keyType: 'rsa-2048' }));
  const dir = join(root, 'rsa');
  const r = runNkd(['render', '-f', file, '--dir', dir]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('6 new rsa-2048 keys');
  for (const base of ['pki/ca', 'pki/etcd/ca', 'pki/front-proxy-ca']) {
    const cert = new X509Certificate(await readFile(join(dir, `${base}.crt`)));
    const key = createPrivateKey(await readFile(join(dir, `${base}.key`)));
    expect([base, key.asymmetricKeyType, key.asymmetricKeyDetails?.modulusLength, cert.checkPrivateKey(key)]).toEqual([base, 'rsa', 2048, true]);
  }
  expect(createPrivateKey(await readFile(join(dir, 'pki/sa.key'))).asymmetricKeyDetails?.modulusLength).toBe(2048);
});
