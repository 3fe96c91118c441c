/**
 * The bare-metal provider's network install over a real network: a bridge and one network
 * namespace per host (its boot NIC with the node's MAC), nkd's real boot service on the bridge,
 * a real bare-metal render, and the real ignition in each host's namespace. What boots is a
 * FAKE HOST driven by the test — it plays the iPXE ROM (fetches boot.ipxe, its machine script)
 * and the STAND-IN live installer (fetches the first stage the script names, then runs the real
 * ignition on it, which fetches the secret bundle from the host's own address), then starts the
 * real sshd in the host's namespace with the host key Ignition placed. The real iPXE
 * ROM in QEMU is the PXE e2e test's part (test/e2e/baremetal/). Checked: the named stages in
 * order, the journal, the bundle bound to the fixed IP or to the installer's address, a stage
 * that times out naming itself, a re-run that keeps installed hosts and serves them nothing,
 * and destroy releasing the records.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { desiredCluster } from '../../../pkg/lifecycle/desired.js';
import { Journal } from '../../../pkg/infra/journal.js';
import { BareMetalProvider, type BareMetalHost, type HostPower } from '../../../pkg/infra/baremetal/provider.js';
import { bareMetalSettings } from '../../../pkg/infra/baremetal/settings.js';
import type { BootService, DesiredCluster, Progress } from '../../../pkg/infra/types.js';
import type { BareMetalNode } from '../../../pkg/config/types.gen.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { freePort } from '../../harness/ports.js';
import { applyIgnition, requireTools, type Applied } from '../ignition/tools.js';

jest.setTimeout(180_000);
const run = promisify(execFile);

const BRIDGE = 'nkdbm0';
const NET = '10.231.45';
const HOSTS = [
  { node: 'master-1', ns: 'nkdbm-m1', veth: 'nkbm-m1', mac: '52:54:00:45:00:11', addr: `${NET}.11` },
  // no fixed IP in the cluster file: .21 stands for its DHCP lease
  { node: 'worker-1', ns: 'nkdbm-w1', veth: 'nkbm-w1', mac: '52:54:00:45:00:21', addr: `${NET}.21` },
];
let scratch: string;
let images: Server;
/** What the stand-in image server serves (the live images' bytes do not matter here). */
const served = new Set(['/live/kernel', '/live/initramfs.img', '/live/rootfs.img']);
let config: ClusterConfig;
let rendered: RenderResult;
let desired: DesiredCluster<BareMetalNode>;
const roots: Applied[] = [];
const sshds: ChildProcess[] = [];
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };

const sh = (argv: string[]) => run(argv[0]!, argv.slice(1));
const shTry = (argv: string[]) => sh(argv).catch(() => undefined);
const inNs = (ns: string, argv: string[]) => ['ip', 'netns', 'exec', ns, ...argv];

/** GET from inside a host's namespace: status code and body. */
async function get(ns: string, url: string): Promise<{ code: number; body: string }> {
  const { stdout } = await sh(inNs(ns, ['curl', '-sS', '--max-time', '10', '-w', '\n%{http_code}', url]));
  const at = stdout.lastIndexOf('\n');
  return { code: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

beforeAll(async () => {
  requireTools();
  scratch = await mkdtemp(join(tmpdir(), 'nkd-bm-provider-'));
  await shTry(['ip', 'link', 'del', BRIDGE]);
  await sh(['ip', 'link', 'add', BRIDGE, 'type', 'bridge']);
  await sh(['ip', 'addr', 'add', `${NET}.1/24`, 'dev', BRIDGE]);
  await sh(['ip', 'link', 'set', BRIDGE, 'up']);
  for (const h of HOSTS) {
    await shTry(['ip', 'netns', 'del', h.ns]);
    await sh(['ip', 'netns', 'add', h.ns]);
    await sh(['ip', 'link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
    await sh(['ip', 'link', 'set', h.veth, 'master', BRIDGE, 'up']);
    await sh(inNs(h.ns, ['ip', 'link', 'set', 'eth0', 'address', h.mac]));
    await sh(inNs(h.ns, ['ip', 'addr', 'add', `${h.addr}/24`, 'dev', 'eth0']));
    await sh(inNs(h.ns, ['ip', 'link', 'set', 'eth0', 'up']));
    await sh(inNs(h.ns, ['ip', 'link', 'set', 'lo', 'up']));
  }
  images = createServer((req, res) => void res.writeHead(served.has(req.url ?? '') ? 200 : 404).end());
  await new Promise<void>((ok) => images.listen(0, `${NET}.1`, ok));
  const img = `http://${NET}.1:${(images.address() as AddressInfo).port}`;
  const port = await freePort();
  config = await validClusterConfig((d) => {
    delete d.spec.libvirt;
    d.spec.platform = 'baremetal';
    d.spec.network = { cidr: `${NET}.0/24` };
    d.spec.baremetal = {
      httpAddress: `${NET}.1`, httpPort: port, installDevice: '/dev/vda',
      kernelURL: `${img}/live/kernel`, initrdURL: `${img}/live/initramfs.img`, rootfsURL: `${img}/live/rootfs.img`,
    };
    d.spec.nodes[0].ip = HOSTS[0]!.addr;
    d.spec.nodes[0].mac = HOSTS[0]!.mac;
    delete d.spec.nodes[1].ip;
    d.spec.nodes[1].mac = HOSTS[1]!.mac;
  });
  rendered = await renderCluster(config, { dir: join(scratch, 'cluster') }, goldenRenderDeps());
  desired = desiredCluster(config, rendered) as DesiredCluster<BareMetalNode>;
});

afterAll(async () => {
  for (const p of sshds) p.kill();
  await new Promise((ok) => images?.close(ok));
  await Promise.all(roots.map((a) => a.cleanup()));
  for (const h of HOSTS) await shTry(['ip', 'netns', 'del', h.ns]);
  await shTry(['ip', 'link', 'del', BRIDGE]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** What the fake host saw while it booted. */
interface Booted { node: string; script: string; firstStage: string; applied: Applied }

/**
 * The FAKE HOST: the iPXE ROM's requests (the chain script, then the machine script by MAC)
 * and the STAND-IN live installer's (the first stage the kernel arguments name), then the real
 * ignition in the host's namespace on that first stage — it fetches the secret bundle.
 */
async function bootFakeHost(h: (typeof HOSTS)[number], base: string): Promise<Booted> {
  const chain = await get(h.ns, `${base}/nkd/v1/ipxe/boot.ipxe`);
  expect(chain.code).toBe(200);
  const machineUrl = /chain (\S+)/.exec(chain.body)![1]!.replace('${net0/mac}', h.mac);
  const script = await get(h.ns, machineUrl);
  expect(script.code).toBe(200);
  const kargs = script.body.split('\n').find((l) => l.startsWith('kernel '))!.split(' ');
  const ign = kargs.find((a) => a.startsWith('nestos.inst.ignition_url='))!.slice('nestos.inst.ignition_url='.length).replace('${net0/mac}', h.mac);
  const first = await get(h.ns, ign);
  expect(first.code).toBe(200);
  const applied = await applyIgnition(first.body, { groups: ['wheel'], prefix: inNs(h.ns, []) });
  roots.push(applied);
  // the installed system boots: its sshd with the host key Ignition placed (or, as a fault, another)
  await startSshd(h, hostKeyOverride ?? join(applied.root, 'etc/ssh/ssh_host_ed25519_key'));
  return { node: h.node, script: script.body, firstStage: first.body, applied };
}

/** The host's real sshd in its namespace, on port 22 of its address, with `hostKey`. */
async function startSshd(h: (typeof HOSTS)[number], hostKey: string): Promise<void> {
  await mkdir('/run/sshd', { recursive: true });
  const conf = join(scratch, `sshd-${h.node}.conf`);
  await writeFile(conf, [`HostKey ${hostKey}`, `ListenAddress ${h.addr}:22`, `PidFile ${join(scratch, `sshd-${h.node}.pid`)}`, 'UsePAM no', 'PasswordAuthentication no', ''].join('\n'));
  sshds.push(spawn('ip', ['netns', 'exec', h.ns, '/usr/sbin/sshd', '-D', '-e', '-f', conf], { stdio: 'ignore' }));
}

/** When set, the fake hosts' sshd uses this key instead of the one nkd made (a fault). */
let hostKeyOverride: string | undefined;

/** Power that "presses the button": the fake host boots when the provider asks for a network boot. */
function fakePower(base: () => string, booted: Map<string, Promise<Booted>>): (host: BareMetalHost) => HostPower {
  return (host) => ({
    via: 'the test (a fake host)',
    netboot() {
      const h = HOSTS.find((x) => x.node === host.name)!;
      booted.set(host.name, bootFakeHost(h, base()));
      booted.get(host.name)!.catch(() => undefined);
      return Promise.resolve();
    },
  });
}

const localAddresses = () => [`${NET}.1`, '127.0.0.1'];

describe('the bare-metal provider over a bridge and network namespaces', () => {
  let journal: Journal;
  let service: BootService | undefined;

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  test('installs both hosts through the named stages; each secret bundle goes to its own host only, once', async () => {
    journal = await Journal.open(join(scratch, 'cluster', 'journal.json'), { clusterId: 'demo', provider: 'baremetal' });
    const booted = new Map<string, Promise<Booted>>();
    let url = '';
    const provider = new BareMetalProvider(bareMetalSettings(config), { power: fakePower(() => url, booted), addresses: localAddresses, sshPollMs: 200, waits: { scriptMs: 60_000, firstStageMs: 60_000, secretBundleMs: 60_000, sshMs: 30_000 } });
    await provider.preflight('deploy');
    const plan = await provider.plan(desired, journal);
    expect(plan.items.map((i) => [i.name, i.action])).toEqual([['master-1', 'create'], ['worker-1', 'create']]);
    service = (await provider.serve(plan, { progress }))!;
    url = service.url;
    expect(url).toBe(`http://${NET}.1:${config.spec.baremetal!.httpPort}`);

    // before the worker's installer ran, its bundle (no fixed IP) goes to nobody
    expect((await get(HOSTS[0]!.ns, `${url}/nkd/v1/secrets/worker-1`)).code).toBe(403);

    const hosts = await provider.apply(plan, journal, { progress });
    expect(hosts.map((h) => [h.name, h.ip, h.mac])).toEqual([['master-1', HOSTS[0]!.addr, HOSTS[0]!.mac], ['worker-1', undefined, HOSTS[1]!.mac]]);
    for (const h of HOSTS) {
      const b = await booted.get(h.node)!;
      expect(b.applied.code).toBe(0);
      // the first stage served is the rendered one, byte for byte; the bundle merged in carries the secrets
      expect(b.firstStage).toBe(await readFile(rendered.nodes.find((n) => n.name === h.node)!.ignitionPath, 'utf8'));
      expect(b.firstStage).not.toMatch(/PRIVATE KEY/);
      expect(await readFile(join(b.applied.root, 'etc/nkd/kubeadm.yaml'), 'utf8')).toMatch(/kind: (InitConfiguration|JoinConfiguration)/);
      expect(b.script).toContain('nestos.inst.install_dev=/dev/vda');
    }
    expect((await readFile(join((await booted.get('master-1')!).applied.root, 'etc/kubernetes/pki/ca.key'), 'utf8'))).toMatch(/PRIVATE KEY/);
    expect(service.served().sort()).toEqual(['master-1', 'worker-1']);
    // once: a replay from the host itself is refused
    expect((await get(HOSTS[0]!.ns, `${url}/nkd/v1/secrets/master-1`)).code).toBe(410);

    // the stages, in order, per host
    for (const h of HOSTS) {
      const mine = lines.filter((l) => l.startsWith(`${h.node} fetched`) || l.startsWith(`${h.node} answers`));
      expect(mine).toEqual([
        `${h.node} fetched its iPXE script`,
        `${h.node} fetched its first-stage Ignition (the live installer runs)`,
        `${h.node} fetched its secret bundle (the installed system boots)`,
        `${h.node} answers SSH with the host key nkd made for it`,
      ]);
    }
    expect(journal.entries().map((e) => [e.kind, e.name, e.state, e.attrs.mac])).toEqual([
      ['host', 'master-1', 'created', HOSTS[0]!.mac], ['host', 'worker-1', 'created', HOSTS[1]!.mac],
    ]);
  });

  test('a re-run keeps the installed hosts and serves them nothing: a host that boots from the network again is told to boot its disk', async () => {
    const provider = new BareMetalProvider(bareMetalSettings(config), { addresses: localAddresses });
    const plan = await provider.plan(desired, journal);
    expect(plan.items.map((i) => [i.name, i.action, i.reason])).toEqual([['master-1', 'keep', 'installed by an earlier run'], ['worker-1', 'keep', 'installed by an earlier run']]);
    service = (await provider.serve(plan, { progress }))!;
    const again = await get(HOSTS[0]!.ns, `${service.url}/nkd/v1/ipxe/machine?mac=${HOSTS[0]!.mac}`);
    expect(again.code).toBe(200);
    expect(again.body).not.toMatch(/kernel|ignition/);
    expect(again.body).toMatch(/sanboot|exit/);
    expect((await get(HOSTS[0]!.ns, `${service.url}/nkd/v1/secrets/master-1`)).code).toBe(404);
    expect(await provider.apply(plan, journal, { progress })).toHaveLength(2);
  });

  test('a host that never boots from the network fails its deploy naming the stage, the URL its DHCP must hand out and its MAC; the journal says it is not installed', async () => {
    const j = await Journal.open(join(scratch, 'journal-timeout.json'), { clusterId: 'demo', provider: 'baremetal' });
    const provider = new BareMetalProvider(bareMetalSettings(config), { addresses: localAddresses, waits: { scriptMs: 1500 } });
    const plan = await provider.plan(desired, j);
    service = (await provider.serve(plan, { progress }))!;
    const err = await provider.apply(plan, j, { progress }).then(() => undefined, (e: Error & { hint?: string }) => e);
    expect(err?.message).toBe('node master-1 has not fetched its iPXE script within 2 s');
    expect(err?.hint).toContain(`/nkd/v1/ipxe/boot.ipxe on http://${NET}.1:${config.spec.baremetal!.httpPort}`);
    expect(err?.hint).toContain(`spec.nodes[].mac (${HOSTS[0]!.mac})`);
    expect(lines).toContain(`power on master-1 (boot NIC ${HOSTS[0]!.mac}) and make it boot from the network once; nkd waits for it`);
    expect(j.entries().map((e) => [e.name, e.state])).toEqual([['master-1', 'creating'], ['worker-1', 'creating']]);
    expect((await provider.plan(desired, j)).items.map((i) => i.action)).toEqual(['create', 'create']);
  });

  test('a host that took the bundle but answers SSH with another host key is refused, naming both fingerprints', async () => {
    for (const p of sshds.splice(0)) p.kill();
    await new Promise((r) => setTimeout(r, 300));
    const other = join(scratch, 'other-key');
    await rm(other, { force: true });
    await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', other]);
    hostKeyOverride = other;
    try {
      const j = await Journal.open(join(scratch, 'journal-otherkey.json'), { clusterId: 'demo', provider: 'baremetal' });
      const booted = new Map<string, Promise<Booted>>();
      let url = '';
      const only = { ...desired, nodes: desired.nodes.filter((n) => n.name === 'master-1') };
      const provider = new BareMetalProvider(bareMetalSettings(config), { power: fakePower(() => url, booted), addresses: localAddresses, sshPollMs: 200, waits: { sshMs: 30_000 } });
      const plan = await provider.plan(only, j);
      service = (await provider.serve(plan, { progress }))!;
      url = service.url;
      const err = await provider.apply(plan, j, { progress }).then(() => undefined, (e: Error) => e);
      const presented = (await sh(['ssh-keygen', '-l', '-f', `${other}.pub`])).stdout.split(' ')[1];
      const made = (await sh(['ssh-keygen', '-l', '-f', join(scratch, 'cluster', 'pki/ssh/master-1_host_ed25519_key.pub')])).stdout.split(' ')[1];
      expect(err?.message).toBe(`node master-1: ${HOSTS[0]!.addr} answers SSH with host key ${presented}, not the key nkd made for master-1 (${made}); refusing to go on`);
      expect(j.get('host', 'master-1')?.state).toBe('creating');
    } finally {
      hostKeyOverride = undefined;
    }
  });

  test('preflight refuses live images that are not served, naming each field and what its URL answered', async () => {
    served.delete('/live/rootfs.img');
    try {
      const provider = new BareMetalProvider(bareMetalSettings(config), { addresses: localAddresses });
      const err = await provider.preflight('deploy').then(() => undefined, (e: Error) => e);
      expect(err?.message).toBe(`the NestOS live images are not served where the cluster file says:\n  spec.baremetal.rootfsURL: ${config.spec.baremetal!.rootfsURL}: answered 404`);
    } finally {
      served.add('/live/rootfs.img');
    }
  });

  test('a boot-service port another process holds is an error naming it and the way out', async () => {
    const holder = createServer();
    await new Promise<void>((ok) => holder.listen(config.spec.baremetal!.httpPort, `${NET}.1`, ok));
    try {
      const provider = new BareMetalProvider(bareMetalSettings(config), { addresses: localAddresses });
      const plan = await provider.plan(desired, await Journal.open(join(scratch, 'journal-port.json'), { clusterId: 'demo', provider: 'baremetal' }));
      const err = await provider.serve(plan, { progress }).then(() => undefined, (e: Error & { hint?: string }) => e);
      expect(err?.message).toBe(`boot service: cannot listen on ${NET}.1:${config.spec.baremetal!.httpPort}: EADDRINUSE`);
      expect(err?.hint).toBe('another process holds the port: stop it or choose another port');
    } finally {
      await new Promise((ok) => holder.close(ok));
    }
  });

  test('preflight refuses a boot-service address this machine does not have, naming the field', async () => {
    const provider = new BareMetalProvider(bareMetalSettings(config), { addresses: () => ['127.0.0.1'] });
    await expect(provider.preflight('deploy')).rejects.toThrow(`spec.baremetal.httpAddress: ${NET}.1 is not an address of this machine (it has 127.0.0.1); nkd's boot service listens there`);
    await expect(provider.preflight('connect')).resolves.toBeUndefined();
  });

  test('destroy releases the installed hosts, wipes nothing and says so', async () => {
    const provider = new BareMetalProvider(bareMetalSettings(config), { addresses: localAddresses });
    expect((await provider.status(journal)).map((s) => [s.name, s.state.split(' ')[0]])).toEqual([['master-1', 'installed'], ['worker-1', 'installed']]);
    const report = await provider.destroy(journal, { progress });
    expect(report).toEqual({ deleted: [{ kind: 'host', name: 'master-1' }, { kind: 'host', name: 'worker-1' }], kept: [], remaining: [] });
    expect(lines).toContain(`released host master-1 (${HOSTS[0]!.mac}): nkd wiped nothing, its disk still holds NestOS; reinstall or wipe it before you use it elsewhere`);
    expect(journal.entries()).toEqual([]);
  });
});
