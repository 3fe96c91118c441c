/**
 * A real node through nkd's PRODUCT bare-metal provider (docs/testing.md, "Existing hosts on
 * bare metal"): no test provider. Each host is a system container booted from the node root
 * and set up as a general-purpose Linux an admin would hand nkd — kubelet and kubeadm 1.37.1
 * in /usr/bin (as the pkgs.k8s.io packages put them), containerd running with Debian's own
 * config, OpenSSH's sshd with a host key this test makes, root's authorized key, its static
 * address from a unit of its own. `deploy` of a `platform: baremetal` cluster file
 * whose nodes are `provision: existing, os: linux` then preflights each host over SSH with the
 * pinned key, joins it over SSH (files, units, the first-boot chain) and waits for Ready nodes;
 * `destroy` releases the hosts and wipes nothing. STAND-INs: the node root is Debian, and
 * nkd-standin-host.service makes the cgroup hierarchies writable at boot (what a host's own
 * kernel mounts give it; see hack/cluster/standin/host-setup), and the host's static address is
 * set by a unit the test writes (no ifupdown or NetworkManager in the root). Run alone with
 * `node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects e2e
 * --runTestsByPath test/e2e/cluster/baremetal-existing.test.ts` (after hack/env/50-cluster.sh).
 */
import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterConfig } from '../../../pkg/config/load.js';
import { existingHostPlan, wholeConfig } from '../../../pkg/host/existing-host.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { deploy, type DeployResult } from '../../../pkg/lifecycle/deploy.js';
import { destroy } from '../../../pkg/lifecycle/destroy.js';
import type { NkdError } from '../../../pkg/ui/errors.js';
import { Ui } from '../../../pkg/ui/output.js';
import { decodeResource } from '../../unit/ignition/decode.js';
import { sh, shTry, waitFor } from './host.js';
import { clients, waitControlPlanePods, waitPodsReady } from './kube-checks.js';
import { cacheDir, clusterFile, SITE, startSite, teardownSite, testNodes, VERSIONS, type Site, type TestNode } from './site.js';

const MIN = 60_000;
jest.setTimeout(30 * MIN);
let site: Site;
let dir: string;
let clusterYaml: string;
let loginKey: string;
let result: DeployResult;
const nodes = testNodes(1);
const hostKeys: Record<string, string> = {};
const figures: Record<string, number> = {};
const ui = new Ui('info', false, { out: (t) => void process.stderr.write(t), err: (t) => void process.stderr.write(t) });

/**
 * Makes a machine a general-purpose Linux host ready to be joined: what its admin installed and
 * configured before nkd is pointed at it. Nothing of nkd's is on it.
 */
async function linuxHost(n: TestNode): Promise<void> {
  const m = site.machines;
  await m.create({ name: n.name, mac: n.mac });
  const root = m.root(n.name);
  const kube = join(cacheDir(), 'kube', VERSIONS.deployed);
  for (const b of ['kubelet', 'kubeadm']) await sh(['install', '-m', '0755', join(kube, b), join(root, 'usr/bin', b)]);
  const key = join(root, 'etc/ssh/ssh_host_ed25519_key');
  await rm(key, { force: true });
  await rm(`${key}.pub`, { force: true });
  await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${n.name}`, '-f', key]);
  hostKeys[n.name] = (await readFile(`${key}.pub`, 'utf8')).trim();
  await writeFile(join(root, 'etc/ssh/sshd_config.d/nkd-e2e.conf'), 'HostKey /etc/ssh/ssh_host_ed25519_key\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n');
  await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'root/.ssh/authorized_keys'), await readFile(`${loginKey}.pub`, 'utf8'), { mode: 0o600 });
  // its static address, set by a unit of its own (systemd-networkd would wait for a udev that a
  // system container does not run; the root has no ifupdown or NetworkManager)
  await writeFile(join(root, 'etc/systemd/system/static-address.service'), [
    '[Unit]', 'Description=static address', 'Before=network-online.target ssh.service', 'Wants=network-online.target', '',
    '[Service]', 'Type=oneshot', 'RemainAfterExit=yes', 'ExecStart=/sbin/ip link set eth0 up',
    `ExecStart=/sbin/ip addr replace ${n.ip}/24 dev eth0`, `ExecStart=/sbin/ip route replace default via ${SITE.gateway}`, '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n'));
  await sh(['systemctl', `--root=${root}`, 'enable', 'ssh.service', 'static-address.service']);
  await m.start(n.name);
  // up as its admin would hand it over: sshd answering on its own address
  await waitFor(`${n.name}'s sshd on ${n.ip}:22`, async () => {
    const open = await new Promise<boolean>((resolve) => {
      const c = connect({ host: n.ip, port: 22, timeout: 2000 }, () => resolve(true)).on('error', () => resolve(false)).on('timeout', () => resolve(false));
      setTimeout(() => c.destroy(), 2500);
    });
    if (open) return true;
    throw new Error((await m.execTry(n.name, ['sh', '-c', 'ip -br addr; systemctl is-active static-address ssh; journalctl -u ssh -u static-address --no-pager | tail -5'])).out);
  }, 90_000, 1000);
  // and done booting: a host handed over is up, not in the middle of its boot
  const state = (await m.execTry(n.name, ['timeout', '90', 'systemctl', 'is-system-running', '--wait'], { timeoutMs: 100_000 })).out.trim();
  if (!['running', 'degraded'].includes(state)) throw new Error(`${n.name} did not finish booting: ${state}`);
}

/** The cluster file: the site's settings, every node an existing Linux host reached over SSH. */
async function writeClusterFile(): Promise<void> {
  const bm = nodes.map((n) => ({ ...n, baremetal: { provision: 'existing', os: 'linux', sshHostKey: hostKeys[n.name] } }));
  await writeFile(clusterYaml, clusterFile(site, bm, { platform: 'baremetal', baremetal: { httpAddress: SITE.gateway, ssh: { user: 'root', privateKeyFile: loginKey } } }));
}

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'nkd-e2e-bm-'));
  site = await startSite(work);
  dir = join(work, 'cluster');
  clusterYaml = join(work, 'cluster.yaml');
  loginKey = join(work, 'id_ed25519');
  await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'nkd-e2e', '-f', loginKey]);
  await chmod(loginKey, 0o600);
  const t0 = performance.now();
  for (const n of nodes) await linuxHost(n);
  site.timings['hosts prepared and booted'] = Math.round(performance.now() - t0) / 1000;
  await writeClusterFile();
  ui.info(`site ready: ${JSON.stringify(site.timings)}`);
}, 40 * MIN);

afterAll(async () => {
  ui.info(`figures: ${JSON.stringify(figures)}`);
  if (site) await teardownSite(site);
}, 5 * MIN);

describe('existing Linux hosts joined by the bare-metal provider', () => {
  test('deploy preflights the host over SSH with its pinned key, joins it, and kubeadm brings the node Ready with the control-plane pods and the CNI', async () => {
    const config = (await loadClusterConfig({ file: clusterYaml, env: {} })).config;
    const t0 = performance.now();
    result = await deploy({ config, dir, baseDir: site.work, ui, mode: 'deploy', timeouts: { apiMs: 10 * MIN, nodesMs: 10 * MIN } }).catch((e: NkdError) => {
      throw new Error([e.message, ...(e.details ?? []), e.hint ?? ''].join('\n'));
    });
    figures['deploy to all nodes Ready (s)'] = Math.round(performance.now() - t0) / 1000;
    for (const p of result.phases) figures[`deploy phase ${p.name} (s)`] = p.ms / 1000;
    expect(result.plan.provider).toBe('baremetal');
    expect(result.hosts.map((h) => h.name)).toEqual(nodes.map((n) => n.name));

    const { core } = clients(result.kubeconfig!);
    const ready = (await core.listNode()).items.map((n) => [n.metadata!.name, n.status!.nodeInfo!.kubeletVersion, n.status!.conditions!.find((c) => c.type === 'Ready')?.status]);
    expect(ready).toEqual(nodes.map((n) => [n.name, `v${VERSIONS.deployed}`, 'True']));
    await waitControlPlanePods(core, 'cp-1', 5 * MIN);
    await waitPodsReady(core, 'kube-flannel', 'app=flannel', nodes.length, 5 * MIN);
  });

  test('every file nkd placed on a host is the rendered one, byte for byte', async () => {
    for (const d of result.plan.desired.nodes) {
      const read = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as IgnitionConfig;
      const { config } = existingHostPlan(wholeConfig(await read(d.ignitionPath), await read(d.secretBundle!.path)), 'linux');
      const differ: string[] = [];
      const files = (config.storage?.files ?? []).filter((f) => f.path !== '/etc/kubernetes/kubelet.conf'); // kubeadm rewrites what it owns
      for (const f of files) {
        const want = createHash('sha256').update(decodeResource(f.contents as { source: string; compression?: 'gzip' })).digest('hex');
        const file = join(site.machines.root(d.name), f.path);
        const have = existsSync(file) ? createHash('sha256').update(await readFile(file)).digest('hex') : 'missing';
        if (want !== have) differ.push(f.path);
      }
      expect(files.length).toBeGreaterThan(5);
      expect(differ).toEqual([]);
      expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['/etc/nkd/kubeadm.yaml', '/etc/containerd/config.toml']));
    }
  });

  test('destroy releases the hosts and wipes nothing; the test then leaves nothing behind', async () => {
    const report = await destroy({ dir, ui });
    expect(report.remaining).toEqual([]);
    expect(report.deleted.map((r) => r.name).sort()).toEqual(nodes.map((n) => n.name));
    // released, not wiped: the host still runs its node
    for (const n of nodes) expect((await site.machines.exec(n.name, ['systemctl', 'is-active', 'kubelet.service'])).trim()).toBe('active');
    for (const n of nodes) await site.machines.remove(n.name);
    expect((await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith('nkdc-'))).toEqual([]);
    expect((await sh(['ip', '-br', 'link'])).split('\n').filter((l) => l.startsWith('nkv'))).toEqual([]);
    expect((await shTry(['ls', site.machines.c.workDir])).out.trim()).toBe('');
    expect((await sh(['bash', '-c', 'ps -eo comm | grep -c "^systemd-nspawn$" || true'])).trim()).toBe('0');
  });
});
