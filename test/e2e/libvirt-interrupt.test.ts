import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Journal } from '../../pkg/infra/journal.js';
import { listDomains, listNetworks, listPools } from '../../pkg/infra/libvirt/inspect.js';
import { openVirsh, type Virsh } from '../../pkg/infra/libvirt/virsh.js';
import type { LibvirtDeps } from '../../pkg/infra/libvirt/provider.js';
import type { LibvirtSettings } from '../../pkg/infra/libvirt/settings.js';
import type { DesiredCluster, NodeSize } from '../../pkg/infra/types.js';
import { packageRoot } from '../../pkg/paths.js';
import { tearDownScenario, startLibvirtd, type LibvirtdHandle } from './libvirtd.js';
import { testGuest } from './guest.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(900_000);

const run = promisify(execFile);
const CLUSTER = 'nkdkill';
const NODES = ['master-1', 'worker-1'];
// Steps a full run reports: network, pool, base volume, one "started" per node.
const STEPS = 3 + NODES.length;

let daemon: LibvirtdHandle;
let dir: string;
let v: Virsh;
let settings: LibvirtSettings;
/** The e2e test guest: a kernel booted directly, its console logs in the test's folder. */
let guest: Required<Pick<LibvirtDeps, 'kernelBoot' | 'consoleLogDir'>>;
let scenarioFile: string;
const child = () => join(packageRoot(), 'dist', 'test', 'e2e', 'deploy-child.js');

beforeAll(async () => {
  if (!existsSync(child())) await run('npx', ['tsc', '-p', join(packageRoot(), 'tsconfig.json')], { cwd: packageRoot() }).catch(() => undefined);
  daemon = await startLibvirtd();
  dir = await mkdtemp(join(tmpdir(), 'nkd-e2e-kill-'));
  v = openVirsh(daemon.uri);
  const g = testGuest();
  settings = {
    uri: daemon.uri, osImage: g.osImage, domainType: 'qemu',
    network: { mode: 'nat', name: `nkd-${CLUSTER}`, cidr: '10.231.43.0/24', gateway: '10.231.43.1' },
    pool: { name: `nkd-${CLUSTER}`, path: join(dir, 'pool') },
    // nkd.stay: the guests stay up as nodes do; a guest that powered itself off would be
    // started again by the next run (a correct but extra step this test does not count).
  };
  guest = { kernelBoot: { kernel: g.kernel, initrd: g.initrd, cmdline: 'console=ttyS0 panic=-1 nkd.stay' }, consoleLogDir: join(dir, 'console') };
  await mkdir(guest.consoleLogDir, { recursive: true });
  const desired: DesiredCluster<NodeSize> = { clusterId: CLUSTER, nodes: [] };
  for (const [i, name] of NODES.entries()) {
    const ign = JSON.stringify({ ignition: { version: '3.3.0' }, passwd: { users: [{ name }] } });
    const path = join(dir, `${name}.ign`);
    await writeFile(path, ign, { mode: 0o600 });
    desired.nodes.push({ name, role: i === 0 ? 'control-plane' : 'worker', ip: `10.231.43.${11 + i}`, cpus: 1, memoryMiB: 192, diskGiB: 1, ignitionPath: path, ignitionSha512: createHash('sha512').update(ign).digest('hex') });
  }
  scenarioFile = join(dir, 'scenario.json');
  await writeFile(scenarioFile, JSON.stringify({ settings, guest, desired, journal: join(dir, '.nkd', 'journal.json') }));
}, 300_000);

afterAll(async () => {
  // Leave nothing behind even when a test failed half-way.
  await tearDownScenario({ clusterId: CLUSTER, dir, settings, virsh: v, daemon });
}, 120_000);

/** Identity of everything the cluster has: UUIDs of domains, network and pool; inodes of volume files. */
async function identities(): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const d of (await listDomains(v)).filter((n) => n.startsWith(`${CLUSTER}-`))) ids.set(`domain ${d}`, (await v.run(['domuuid', d])).trim());
  for (const n of (await listNetworks(v)).filter((x) => x.includes(CLUSTER))) ids.set(`network ${n}`, (await v.run(['net-uuid', n])).trim());
  for (const p of (await listPools(v)).filter((x) => x.includes(CLUSTER))) ids.set(`pool ${p}`, (await v.run(['pool-uuid', p])).trim());
  if (existsSync(settings.pool.path)) {
    for (const f of await readdir(settings.pool.path)) ids.set(`volume ${f}`, String((await stat(join(settings.pool.path, f))).ino));
  }
  return ids;
}

describe('interrupting provisioning on a real libvirtd', () => {
  it('converges after a kill at every step, never recreating what an earlier run created', async () => {
    // Each run is killed right after its first completed step, until a run finishes by itself.
    let seen = new Map<string, string>();
    let kills = 0;
    for (;;) {
      const r = await run('node', [child(), scenarioFile, '1']).then(() => 'exited', (e: { signal?: string }) => e.signal ?? 'failed');
      const now = await identities();
      for (const [what, id] of seen) expect({ what, id: now.get(what) }).toEqual({ what, id });
      seen = now;
      if (r === 'exited') break;
      expect(r).toBe('SIGKILL');
      kills++;
      expect(kills).toBeLessThanOrEqual(STEPS);
    }
    expect(kills).toBe(STEPS);
    const { stdout } = await run('node', [child(), scenarioFile, '0']);
    expect(stdout).toMatch(/^plan: 0 to create$/m);
    const final = await identities();
    for (const [what, id] of seen) expect({ what, id: final.get(what) }).toEqual({ what, id });
    expect([...final.keys()].filter((k) => k.startsWith('domain')).sort()).toEqual(NODES.map((n) => `domain ${CLUSTER}-${n}`));
    expect([...final.keys()].filter((k) => k.startsWith('volume')).sort()).toEqual([
      `volume ${CLUSTER}-base.qcow2`, ...NODES.flatMap((n) => [`volume ${CLUSTER}-${n}.ign`, `volume ${CLUSTER}-${n}.qcow2`]),
    ].sort());
    const journal = await Journal.read(join(dir, '.nkd', 'journal.json'));
    expect(journal?.entries.map((e) => e.state)).toEqual(Array(3 + 3 * NODES.length).fill('created'));
  }, 600_000);
});
