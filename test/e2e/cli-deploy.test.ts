import { jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listDomains, listNetworks, listPools } from '../../pkg/infra/libvirt/inspect.js';
import { openVirsh, type Virsh } from '../../pkg/infra/libvirt/virsh.js';
import { packageRoot } from '../../pkg/paths.js';
import { toYaml, validClusterDoc } from '../fixtures/cluster.js';
import { removeQemuLogs, startLibvirtd, type LibvirtdHandle } from './libvirtd.js';
import { testGuest } from './guest.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(900_000);

// The whole CLI on a real libvirtd: real render, provisioning, Ctrl-C, resume, a bounded wait
// that runs out, and destroy. The guests boot the test image's empty disk (no Kubernetes), and
// the control-plane endpoint is 127.0.0.1:1, so the API wait sends nothing off loopback.
const CLUSTER = 'nkdcli';
const run = promisify(execFile);
const main = () => join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js');
let daemon: LibvirtdHandle;
let base: string;
let v: Virsh;
let file: string;
let dir: string;

beforeAll(async () => {
  if (!existsSync(main())) await run('npx', ['tsc', '-p', join(packageRoot(), 'tsconfig.json')], { cwd: packageRoot() }).catch(() => undefined);
  daemon = await startLibvirtd();
  v = openVirsh(daemon.uri);
  base = await mkdtemp(join(tmpdir(), 'nkd-e2e-cli-'));
  dir = join(base, CLUSTER);
  const doc = validClusterDoc();
  doc.metadata.name = CLUSTER;
  doc.spec.libvirt = {
    uri: daemon.uri, osImage: testGuest().osImage, domainType: 'qemu',
    storagePool: { path: join(base, 'pool') },
  };
  doc.spec.network = { cidr: '10.231.44.0/24' };
  doc.spec.nodes = [
    { name: 'master-1', role: 'control-plane', ip: '10.231.44.11', cpus: 1, memoryMiB: 1024, diskGiB: 10 },
    { name: 'worker-1', role: 'worker', ip: '10.231.44.21', cpus: 1, memoryMiB: 1024, diskGiB: 10 },
  ];
  doc.spec.kubernetes.controlPlaneEndpoint = { host: '127.0.0.1', port: 1 };
  doc.spec.kubernetes.cni = { manifest: 'none' };
  file = join(base, 'cluster.yaml');
  await writeFile(file, toYaml(doc));
}, 300_000);

afterAll(async () => {
  try {
    await run('node', [main(), 'destroy', '--yes', '--dir', dir]).catch(() => undefined);
  } finally {
    await v?.close();
    await daemon?.stop();
    removeQemuLogs(CLUSTER);
    await rm(base, { recursive: true, force: true });
  }
}, 120_000);

const env = () => ({ ...process.env, XDG_STATE_HOME: join(base, 'state') });
const uuids = async () => Promise.all(['master-1', 'worker-1'].map(async (n) => (await v.run(['domuuid', `${CLUSTER}-${n}`])).trim()));

/** Runs the CLI, sending SIGINT once `interruptOn` appears on stderr. */
function nkd(args: string[], interruptOn?: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn('node', [main(), ...args], { env: env() });
    let stderr = '';
    let stdout = '';
    let sent = false;
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (interruptOn && !sent && stderr.includes(interruptOn)) {
        sent = true;
        p.kill('SIGINT');
      }
    });
    p.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('nkd deploy, Ctrl-C, resume, timeout and destroy through the CLI on a real libvirtd', () => {
  it('stops cleanly on Ctrl-C, resumes without recreating anything, names where to look on timeout, and destroys everything', async () => {
    const first = await nkd(['deploy', '-f', file, '--dir', dir, '--api-timeout', '5'], '• wait for the API server');
    expect(first.stderr).toContain('✓ provision');
    expect(first.stderr).toContain('SIGINT: stopping after the current step');
    expect(first.code).toBe(130);
    const before = await uuids();

    const second = await nkd(['deploy', '-f', file, '--dir', dir, '--api-timeout', '0.05']);
    expect(second.stdout).toMatch(/plan \(libvirt, cluster nkdcli\): 0 to create, 0 to update, 0 to adopt, 9 unchanged/);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/✗ the API server at https:\/\/127\.0\.0\.1:1 did not answer within 3 s/);
    expect(second.stderr).toContain(`serial console log /var/log/libvirt/qemu/${CLUSTER}-master-1-console.log on the libvirt host`);
    expect(await uuids()).toEqual(before);

    // Each domain's fw_cfg entry points at a volume holding exactly that node's rendered Ignition.
    for (const n of ['master-1', 'worker-1']) {
      const xml = await v.run(['dumpxml', `${CLUSTER}-${n}`]);
      const file = /<entry name='opt\/com\.coreos\/config' file='([^']+)'\/>/.exec(xml)?.[1];
      expect(file).toBe(join(base, 'pool', `${CLUSTER}-${n}.ign`));
      expect(await readFile(file as string)).toEqual(await readFile(join(dir, 'ignition', `${n}.ign`)));
    }

    const status = JSON.parse((await run('node', [main(), '--json', 'status', '--dir', dir], { env: env() })).stdout);
    expect(status.api.error).toBeDefined();
    // by default nkd makes only the CAs (kubeadm makes the leaves on the node): all three are listed
    expect(status.certificates.length).toBeGreaterThanOrEqual(3);
    expect(status.resources.map((r: { kind: string; name: string; state: string }) => `${r.kind} ${r.name} ${r.state}`)).toContain(`domain ${CLUSTER}-master-1 running`);

    const destroyed = await nkd(['destroy', '--yes', '--dir', dir]);
    expect(destroyed.code).toBe(0);
    expect(destroyed.stderr).toContain(`✓ cluster ${CLUSTER} destroyed: 9 resources deleted, none remain`);
    expect((await listDomains(v)).filter((d) => d.startsWith(CLUSTER))).toEqual([]);
    expect((await listNetworks(v)).filter((n) => n.includes(CLUSTER))).toEqual([]);
    expect((await listPools(v)).filter((n) => n.includes(CLUSTER))).toEqual([]);
  }, 600_000);
});
