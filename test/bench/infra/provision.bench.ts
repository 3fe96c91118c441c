/**
 * Provisioning wall time: 1, 5 and 20 domains on libvirt's test driver, and 1 and 3 domains on
 * a real libvirtd (QEMU software emulation, the e2e test guest), with bounded concurrency 4 and,
 * for comparison, 1. Medians of 3 runs. Run: npm run bench -- infra/provision
 * (the real-libvirtd figures need hack/env/30-libvirt.sh; they are skipped without it).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../pkg/infra/journal.js';
import { LibvirtProvider, type LibvirtDeps } from '../../../pkg/infra/libvirt/provider.js';
import { libvirtJournalSettings } from '../../../pkg/infra/libvirt/platform.js';
import type { LibvirtSettings } from '../../../pkg/infra/libvirt/settings.js';
import { openVirsh } from '../../../pkg/infra/libvirt/virsh.js';
import type { DesiredCluster, NodeSize } from '../../../pkg/infra/types.js';
import type { Report } from '../run.js';
import { median } from '../stats.js';
import { libvirtInstalled, removeQemuLogs, startLibvirtd } from '../../e2e/libvirtd.js';
import { testGuest } from '../../e2e/guest.js';

const quiet = { info() {}, ok() {}, warn() {}, debug() {} };

async function desired(dir: string, clusterId: string, n: number): Promise<DesiredCluster<NodeSize>> {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const name = `n${i + 1}`;
    const ign = JSON.stringify({ ignition: { version: '3.3.0' }, passwd: { users: [{ name }] } });
    const path = join(dir, `${clusterId}-${name}.ign`);
    await writeFile(path, ign);
    nodes.push({ name, role: (i === 0 ? 'control-plane' : 'worker') as 'control-plane' | 'worker', ip: `10.231.50.${11 + i}`, cpus: 1, memoryMiB: 128, diskGiB: 1, ignitionPath: path, ignitionSha512: createHash('sha512').update(ign).digest('hex') });
  }
  return { clusterId, nodes };
}

/** One provisioning (plan + apply) and its destroy; returns the provisioning wall time. */
async function once(settings: LibvirtSettings, d: DesiredCluster<NodeSize>, dir: string, concurrency: number, guest: LibvirtDeps = {}): Promise<number> {
  const v = openVirsh(settings.uri);
  const provider = new LibvirtProvider(settings, { virsh: v, ...guest });
  const journal = await Journal.open(join(dir, `${d.clusterId}-${d.nodes.length}-${concurrency}-${Math.random()}.json`), { clusterId: d.clusterId, provider: 'libvirt', providerConfig: libvirtJournalSettings(settings) });
  try {
    const t0 = performance.now();
    await provider.apply(await provider.plan(d, journal), journal, { progress: quiet, concurrency });
    return performance.now() - t0;
  } finally {
    await provider.destroy(journal, { progress: quiet });
    await v.close();
  }
}

/** Runs the benchmark. */
export async function run(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nkd-bench-infra-'));
  try {
    const b = Buffer.alloc(4096);
    b.writeUInt32BE(0x514649fb, 0);
    b.writeBigUInt64BE(BigInt(2 ** 30), 24);
    await writeFile(join(dir, 'os.qcow2'), b);
    const testSettings = (id: string): LibvirtSettings => ({
      uri: 'test:///default', osImage: join(dir, 'os.qcow2'), domainType: 'qemu',
      network: { mode: 'nat', name: `nkd-${id}`, cidr: '10.231.50.0/24', gateway: '10.231.50.1' },
      pool: { name: `nkd-${id}`, path: `/virtual/${id}` },
    });
    for (const n of [1, 5, 20]) {
      const d = await desired(dir, 'bench', n);
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await once(testSettings('bench'), d, dir, 4));
      report(`test-driver/${n}-domains`, median(runs), 'ms');
    }
    if (!libvirtInstalled()) return;
    const daemon = await startLibvirtd();
    try {
      const g = testGuest();
      await mkdir(join(dir, 'console'), { recursive: true });
      const real: LibvirtSettings = {
        uri: daemon.uri, osImage: g.osImage, domainType: 'qemu',
        network: { mode: 'nat', name: 'nkd-nkdbench', cidr: '10.231.50.0/24', gateway: '10.231.50.1' },
        pool: { name: 'nkd-nkdbench', path: join(dir, 'pool') },
      };
      const guest: LibvirtDeps = { kernelBoot: { kernel: g.kernel, initrd: g.initrd, cmdline: 'console=ttyS0 panic=-1' }, consoleLogDir: join(dir, 'console') };
      for (const [n, c] of [[1, 4], [3, 4], [3, 1]] as const) {
        const d = await desired(dir, 'nkdbench', n);
        const runs = [];
        for (let i = 0; i < 3; i++) runs.push(await once(real, d, dir, c, guest));
        report(`libvirtd/${n}-domains-concurrency-${c}`, median(runs), 'ms');
      }
    } finally {
      await daemon.stop();
      removeQemuLogs('nkdbench');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
