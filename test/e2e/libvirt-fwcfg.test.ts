import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { packageRoot } from '../../pkg/paths.js';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../pkg/infra/journal.js';
import { LibvirtProvider, type LibvirtDeps } from '../../pkg/infra/libvirt/provider.js';
import { libvirtJournalSettings } from '../../pkg/infra/libvirt/platform.js';
import { listDomains, listNetworks, listPools, listVolumes } from '../../pkg/infra/libvirt/inspect.js';
import { openVirsh, type Virsh } from '../../pkg/infra/libvirt/virsh.js';
import type { LibvirtSettings } from '../../pkg/infra/libvirt/settings.js';
import type { DesiredCluster, NodeSize } from '../../pkg/infra/types.js';
import { tearDownScenario, startLibvirtd, type LibvirtdHandle } from './libvirtd.js';
import { parseConsole, testGuest } from './guest.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(900_000);

const CLUSTER = 'nkde2e';
const NODES = ['master-1', 'worker-1', 'worker-2'];

let daemon: LibvirtdHandle;
let dir: string;
let v: Virsh;
let settings: LibvirtSettings;
/** The e2e test guest: a kernel booted directly, its console logs in the test's folder. */
let guest: Required<Pick<LibvirtDeps, 'kernelBoot' | 'consoleLogDir'>>;

beforeAll(async () => {
  if (!existsSync(join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js'))) await promisify(execFile)('npx', ['tsc', '-p', join(packageRoot(), 'tsconfig.json')], { cwd: packageRoot() }).catch(() => undefined);
  daemon = await startLibvirtd();
  dir = await mkdtemp(join(tmpdir(), 'nkd-e2e-libvirt-'));
  v = openVirsh(daemon.uri);
  const g = testGuest();
  settings = {
    uri: daemon.uri,
    osImage: g.osImage,
    domainType: 'qemu',
    network: { mode: 'nat', name: `nkd-${CLUSTER}`, cidr: '10.231.42.0/24', gateway: '10.231.42.1' },
    pool: { name: `nkd-${CLUSTER}`, path: join(dir, 'pool') },
  };
  guest = { kernelBoot: { kernel: g.kernel, initrd: g.initrd, cmdline: 'console=ttyS0 panic=-1' }, consoleLogDir: join(dir, 'console') };
  const { mkdir } = await import('node:fs/promises');
  await mkdir(guest.consoleLogDir, { recursive: true });
}, 120_000);

afterAll(async () => {
  // Leave nothing behind even when a test failed half-way.
  await tearDownScenario({ clusterId: CLUSTER, dir, settings, virsh: v, daemon });
}, 120_000);

const run = promisify(execFile);
const main = () => join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');

/** The real CLI from dist/ (built by `npm test` before jest). */
async function nkd(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('node', [main(), ...args], { env: { ...process.env, XDG_STATE_HOME: join(dir, 'state') } });
}

async function waitShutOff(names: string[], timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const states = await Promise.all(names.map(async (n) => (await v.run(['domstate', n])).trim()));
    if (states.every((s) => s === 'shut off')) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`guests still running after ${timeoutMs} ms: ${names.filter((_, i) => states[i] !== 'shut off').join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('deploying test guests on a real libvirtd with QEMU software emulation', () => {
  it('gives every guest its own Ignition through fw_cfg, then destroy leaves no domain, volume, pool or network of the cluster', async () => {
    const desired: DesiredCluster<NodeSize> = { clusterId: CLUSTER, nodes: [] };
    for (const [i, name] of NODES.entries()) {
      const ign = JSON.stringify({ ignition: { version: '3.3.0' }, storage: { files: [{ path: '/etc/hostname', mode: 420, contents: { source: `data:,${name}` } }] } });
      const path = join(dir, `${name}.ign`);
      await writeFile(path, ign, { mode: 0o600 });
      desired.nodes.push({ name, role: i === 0 ? 'control-plane' : 'worker', ip: `10.231.42.${11 + i}`, cpus: 1, memoryMiB: 256, diskGiB: 1, ignitionPath: path, ignitionSha512: createHash('sha512').update(ign).digest('hex') });
    }
    const journal = await Journal.open(join(dir, '.nkd', 'journal.json'), { clusterId: CLUSTER, provider: 'libvirt', providerConfig: libvirtJournalSettings(settings) });
    const provider = new LibvirtProvider(settings, { virsh: v, ...guest });
    const lines: string[] = [];
    const progress = { info: (m: string) => lines.push(m), ok: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug: () => {} };

    const t0 = performance.now();
    const hosts = await provider.apply(await provider.plan(desired, journal), journal, { progress });
    const provisionMs = performance.now() - t0;
    await waitShutOff(hosts.map((h) => `${CLUSTER}-${h.name}`), 240_000);
    const bootMs = performance.now() - t0;

    for (const [i, n] of desired.nodes.entries()) {
      const report = parseConsole(join(guest.consoleLogDir, `${CLUSTER}-${n.name}-console.log`));
      expect({ node: n.name, booted: report.booted }).toEqual({ node: n.name, booted: true });
      expect(report.macs).toEqual([hosts[i]?.mac]);
      expect(report.ignition?.toString('utf8')).toBe(await readFile(n.ignitionPath, 'utf8'));
    }
    process.stderr.write(`libvirt e2e: provisioned ${NODES.length} guests in ${(provisionMs / 1000).toFixed(1)} s, all reported and powered off after ${(bootMs / 1000).toFixed(1)} s\n`);

    // Status and destroy through the real CLI, from the cluster directory alone (the journal).
    const status = JSON.parse((await nkd(['--json', 'status', '--dir', dir])).stdout);
    expect(status.resources.filter((r: { kind: string }) => r.kind === 'domain').map((r: { state: string }) => r.state)).toEqual(['shut off', 'shut off', 'shut off']);
    expect(status.resources).toHaveLength(3 + 3 * NODES.length);
    const destroyed = await nkd(['--json', 'destroy', '--yes', '--dir', dir]);
    const report = JSON.parse(destroyed.stdout);
    expect(report.remaining).toEqual([]);
    expect(report.deleted).toHaveLength(3 + 3 * NODES.length);
    const ours = (names: string[]) => names.filter((n) => n.includes(CLUSTER));
    expect(ours(await listDomains(v))).toEqual([]);
    expect(ours(await listNetworks(v))).toEqual([]);
    expect(ours(await listPools(v))).toEqual([]);
    expect(await listVolumes(v, settings.pool.name)).toEqual([]);
    expect((await Journal.read(journal.file))?.entries).toEqual([]);
  }, 600_000);
});
