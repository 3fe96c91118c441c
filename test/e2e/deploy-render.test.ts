import { jest } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterConfig } from '../../pkg/config/load.js';
import { deploy } from '../../pkg/lifecycle/deploy.js';
import { LibvirtProvider } from '../../pkg/infra/libvirt/provider.js';
import { libvirtSettings } from '../../pkg/infra/libvirt/settings.js';
import { destroy } from '../../pkg/lifecycle/destroy.js';
import { listDomains, listNetworks, listPools } from '../../pkg/infra/libvirt/inspect.js';
import { openVirsh, type Virsh } from '../../pkg/infra/libvirt/virsh.js';
import { ExitCode, NkdError } from '../../pkg/ui/errors.js';
import { Ui } from '../../pkg/ui/output.js';
import { toYaml, validClusterDoc } from '../fixtures/cluster.js';
import { removeQemuLogs, startLibvirtd, type LibvirtdHandle } from './libvirtd.js';
import { parseConsole, testGuest } from './guest.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(900_000);

// nkd's own render and deploy lifecycle on a real libvirtd: the test guests boot with the
// Ignition configs render wrote and report them back; each must be its node's own file.
const CLUSTER = 'nkdrender';
const NODES = ['master-1', 'worker-1'];
let daemon: LibvirtdHandle;
let base: string;
let v: Virsh;

beforeAll(async () => {
  daemon = await startLibvirtd();
  v = openVirsh(daemon.uri);
  base = await mkdtemp(join(tmpdir(), 'nkd-e2e-render-'));
}, 120_000);
afterAll(async () => {
  await v?.close();
  await daemon?.stop();
  removeQemuLogs(CLUSTER);
  await rm(base, { recursive: true, force: true });
}, 120_000);

const quiet = () => new Ui('error', false, { out: () => {}, err: () => {} });

async function waitShutOff(names: string[], timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await Promise.all(names.map(async (n) => (await v.run(['domstate', n])).trim() === 'shut off'))).every(Boolean)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`guests still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('render + deploy on a real libvirtd', () => {
  it('delivers to every guest the Ignition render wrote for it, and destroy leaves nothing', async () => {
    const g = testGuest();
    const doc = validClusterDoc();
    doc.metadata.name = CLUSTER;
    doc.spec.libvirt = { uri: daemon.uri, osImage: g.osImage, domainType: 'qemu', storagePool: { path: join(base, 'pool') } };
    doc.spec.network = { cidr: '10.231.45.0/24' };
    doc.spec.nodes = NODES.map((name, i) => ({ name, role: i === 0 ? 'control-plane' : 'worker', ip: `10.231.45.${11 + i}`, cpus: 1, memoryMiB: 1024, diskGiB: 10 }));
    doc.spec.kubernetes.controlPlaneEndpoint = { host: '127.0.0.1', port: 1 };
    doc.spec.kubernetes.cni = { manifest: 'none' };
    await writeFile(join(base, 'cluster.yaml'), toYaml(doc));
    const { config, baseDir } = await loadClusterConfig({ file: join(base, 'cluster.yaml'), env: {} });
    const dir = join(base, CLUSTER);
    const consoleLogDir = join(base, 'console');
    await mkdir(consoleLogDir);
    // The test guest boots a kernel directly (no NestOS image here): a dependency of the provider, not a setting.
    const provider = new LibvirtProvider(libvirtSettings(config), { kernelBoot: { kernel: g.kernel, initrd: g.initrd, cmdline: 'console=ttyS0 panic=-1' }, consoleLogDir });
    const err = await deploy({ config, dir, baseDir, ui: quiet() }, {
      provider,
      observer: {
        phaseDone: (p) => {
          if (p === 'provision') throw new NkdError('stop after provisioning: the test guests run no Kubernetes', { code: ExitCode.Interrupted });
        },
      },
    }).catch((e: unknown) => e as NkdError);
    await provider.close();
    expect((err as NkdError).code).toBe(ExitCode.Interrupted);
    await waitShutOff(NODES.map((n) => `${CLUSTER}-${n}`), 300_000);
    for (const n of NODES) {
      const report = parseConsole(join(consoleLogDir, `${CLUSTER}-${n}-console.log`));
      const rendered = await readFile(join(dir, 'ignition', `${n}.ign`));
      expect({ node: n, same: report.ignition?.equals(rendered) }).toEqual({ node: n, same: true });
      expect(JSON.parse(rendered.toString('utf8')).ignition.version).toMatch(/^3\./);
    }
    const report = await destroy({ dir, ui: quiet() });
    expect(report.remaining).toEqual([]);
    expect((await listDomains(v)).filter((d) => d.startsWith(CLUSTER))).toEqual([]);
    expect((await listNetworks(v)).filter((n) => n.includes(CLUSTER))).toEqual([]);
    expect((await listPools(v)).filter((n) => n.includes(CLUSTER))).toEqual([]);
  }, 600_000);
});
