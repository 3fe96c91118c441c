import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../../pkg/paths.js';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';
import { fakeQcow2 } from '../infra/libvirt-fixture.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(120_000);

// The real CLI (dist/, built by `npm test` before jest) on bad input: a clear message naming
// the field, exit code 2, no stack, nothing created.
const run = promisify(execFile);
const main = () => join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');
let dir: string;

beforeAll(async () => {
  if (!existsSync(main())) await run('npx', ['tsc', '-p', join(packageRoot(), 'tsconfig.json')], { cwd: packageRoot() }).catch(() => undefined);
}, 300_000);
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nkd-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function nkd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [main(), ...args], { cwd: dir, env: { ...process.env, XDG_STATE_HOME: join(dir, 'state') } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function clusterFile(mutate: (doc: Record<string, any>) => void): Promise<string> {
  const doc = validClusterDoc();
  mutate(doc);
  const f = join(dir, 'cluster.yaml');
  await writeFile(f, toYaml(doc));
  return f;
}

describe('nkd deploy, status and destroy on bad input (the real CLI)', () => {
  it('refuses a missing OS image before creating anything, naming the field', async () => {
    const f = await clusterFile((d) => {
      d.spec.libvirt.uri = 'test:///default';
      d.spec.libvirt.osImage = join(dir, 'missing.qcow2');
    });
    const r = await nkd(['deploy', '-f', f, '--dir', join(dir, 'c')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✗ spec.libvirt.osImage: cannot read "${join(dir, 'missing.qcow2')}" (no such file)`);
    expect(r.stderr).toContain('hint: point osImage at the NestOS qcow2 image on this machine');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'c', '.nkd', 'journal.json'))).toBe(false);
  });

  it('stops at an unreachable libvirt URI before creating anything, as a runtime failure (exit 1)', async () => {
    await fakeQcow2(join(dir, 'os.qcow2'));
    const f = await clusterFile((d) => {
      d.spec.libvirt.uri = 'qemu+tcp://127.0.0.1:1/system';
      d.spec.libvirt.osImage = join(dir, 'os.qcow2');
    });
    const r = await nkd(['deploy', '-f', f, '--dir', join(dir, 'c')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/✗ spec\.libvirt\.uri: cannot connect to libvirt at "qemu\+tcp:\/\/127\.0\.0\.1:1\/system": /);
    expect(r.stderr).toContain('hint: start libvirtd (and virtlogd) on that host, or fix spec.libvirt.uri');
  });

  it('says which directory has no cluster when destroy or status find none, creating nothing', async () => {
    const d = await nkd(['destroy', '--yes', '--dir', join(dir, 'nothing')]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain(`✗ nkd destroy: ${join(dir, 'nothing')}: no such directory`);
    const s = await nkd(['status', '--dir', join(dir, 'nothing')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`✗ nkd status: ${join(dir, 'nothing')}: no such directory`);
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });

  it('refuses extend on a directory that was never deployed', async () => {
    await fakeQcow2(join(dir, 'os.qcow2'));
    const f = await clusterFile((d) => {
      d.spec.libvirt.uri = 'test:///default';
      d.spec.libvirt.osImage = join(dir, 'os.qcow2');
    });
    const r = await nkd(['extend', '-f', f, '--dir', join(dir, 'c')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✗ nkd extend: no deployed cluster in ${join(dir, 'c')}`);
  });

  it('prints the plan as JSON with --dry-run --json, writing nothing', async () => {
    await fakeQcow2(join(dir, 'os.qcow2'));
    const f = await clusterFile((d) => {
      d.spec.libvirt.uri = 'test:///default';
      d.spec.libvirt.osImage = join(dir, 'os.qcow2');
    });
    const r = await nkd(['--json', 'deploy', '-f', f, '--dir', join(dir, 'c'), '--dry-run']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.plan.items.map((i: { action: string; kind: string; name: string }) => `${i.action} ${i.kind} ${i.name}`)).toEqual([
      'create network nkd-demo', 'create pool nkd-demo', 'create volume demo-base.qcow2',
      'create volume demo-master-1.ign', 'create volume demo-master-1.qcow2', 'create domain demo-master-1',
      'create volume demo-worker-1.ign', 'create volume demo-worker-1.qcow2', 'create domain demo-worker-1',
    ]);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  }, 120_000);

  it('refuses to destroy when libvirt is unreachable, keeping the journal', async () => {
    const { Journal } = await import('../../../pkg/infra/journal.js');
    const j = await Journal.open(join(dir, 'c', '.nkd', 'journal.json'), { clusterId: 'demo', provider: 'libvirt', providerConfig: { uri: 'qemu+tcp://127.0.0.1:1/system', network: 'nkd-demo', networkMode: 'nat', pool: 'nkd-demo', poolPath: '/x' } });
    await j.done({ kind: 'domain', name: 'demo-master-1' });
    const r = await nkd(['destroy', '--yes', '--dir', join(dir, 'c')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/✗ spec\.libvirt\.uri: cannot connect to libvirt at "qemu\+tcp:\/\/127\.0\.0\.1:1\/system"/);
    expect((await Journal.read(j.file))?.entries).toHaveLength(1);
  });
});
