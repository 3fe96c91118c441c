/**
 * The bare-metal provider's network install with a REAL iPXE ROM: QEMU guests (software
 * emulation) boot from their virtio NIC with Debian's ipxe-qemu ROM, real dnsmasq on a test
 * bridge answers their DHCP and sends iPXE (user class "iPXE") to nkd's boot service, and the
 * real BareMetalProvider serves the chain, the machine script and the one-time first stage.
 * What the ROM boots is the STAND-IN for the NestOS live installer (hack/guest/live-installer.sh:
 * a Debian kernel and a busybox initramfs): it fetches the live rootfs and the first stage the
 * kernel arguments name and reports them on its serial console, and installs nothing — so the
 * provider's third stage (the secret bundle) runs out, by name, with a short bound.
 * Checked: the named stages script and first-stage through provider.apply, the first stage the
 * guest fetched byte-identical to the render's and free of private keys, the kernel arguments the
 * guest saw, a replay of its token refused, and a guest whose MAC the cluster file does not name
 * getting no machine script (404) and no first stage. Needs root, QEMU, dnsmasq and ipxe-qemu
 * (hack/env/37-pxe.sh); it fails, not skips, without them.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import type { BareMetalNode, ClusterConfig } from '../../../pkg/config/types.gen.js';
import { desiredCluster } from '../../../pkg/lifecycle/desired.js';
import { Journal } from '../../../pkg/infra/journal.js';
import { BareMetalProvider, type BareMetalHost, type HostPower } from '../../../pkg/infra/baremetal/provider.js';
import { bareMetalSettings } from '../../../pkg/infra/baremetal/settings.js';
import type { BootService, DesiredCluster, Progress } from '../../../pkg/infra/types.js';
import { packageRoot } from '../../../pkg/paths.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { freePort } from '../../harness/ports.js';

jest.setTimeout(900_000);
const run = promisify(execFile);
const sh = (argv: string[]) => run(argv[0]!, argv.slice(1));
const shTry = (argv: string[]) => sh(argv).catch(() => undefined);

const BRIDGE = 'nkdpxe0';
const NET = '10.231.60';
const NODE = { name: 'master-1', mac: '52:54:00:60:00:11', ip: `${NET}.11`, tap: 'nkpxe-t1' };
/** A host on the same network whose MAC the cluster file does not name. */
const STRANGER = { mac: '52:54:00:60:00:99', tap: 'nkpxe-t2' };
/** How long the secret-bundle stage may take: the stand-in installs nothing, so it runs out. */
const SECRET_BUNDLE_MS = 4_000;

let scratch: string;
let standin: { kernel: string; initrd: string };
let images: Server;
/** What the image server was asked: path, client address, User-Agent. */
const imageRequests: Array<{ path: string; from: string; agent: string }> = [];
let config: ClusterConfig;
let rendered: RenderResult;
let desired: DesiredCluster<BareMetalNode>;
let dnsmasq: ChildProcess | undefined;
const guests: ChildProcess[] = [];
/** The provider's progress lines, timed. */
const lines: Array<{ at: number; text: string }> = [];
const note = (text: string): void => void lines.push({ at: Date.now(), text });
const progress: Progress = { info: note, ok: note, warn: note, debug: () => {} };
const said = (pattern: RegExp | string): Array<{ at: number; text: string }> => lines.filter((l) => (typeof pattern === 'string' ? l.text.includes(pattern) : pattern.test(l.text)));

/** Waits until `check` holds, polling; throws naming `what` after `ms`. */
async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops a process the test started, by its PID, and waits for it to exit. */
async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null || !p.pid) return;
  const gone = new Promise((r) => p.once('exit', r));
  process.kill(p.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
  clearTimeout(timer);
  if (p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGKILL');
}

/** A QEMU guest that boots from its NIC (the iPXE ROM of virtio-net-pci), serial console to `consoleLog`. */
function startGuest(mac: string, tap: string, consoleLog: string): ChildProcess {
  const p = spawn('qemu-system-x86_64', [
    '-machine', 'accel=tcg', '-m', '512', '-nographic', '-monitor', 'none', '-no-reboot', '-boot', 'n',
    '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${mac}`,
    '-serial', `file:${consoleLog}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr?.on('data', (d: Buffer) => void (err += d.toString()));
  p.once('exit', (code) => { if (code) note(`test: qemu ${mac} exited ${code}: ${err.trim()}`); });
  guests.push(p);
  return p;
}

/** The status code of a GET, on a connection of its own (nothing kept alive after the test). */
const statusOf = (url: string): Promise<number> => new Promise((ok, fail) => {
  get(url, { agent: false }, (res) => { res.resume(); ok(res.statusCode ?? 0); }).on('error', fail);
});

/** What the stand-in reported on its serial console. */
interface LiveReport { text: string; cmdline: string[]; mac?: string; addr?: string; rootfs?: string; ignitionRc?: string; ignition?: Buffer }

function parseLiveConsole(text: string): LiveReport {
  const t = text.replace(/\r/g, '');
  const one = (re: RegExp) => re.exec(t)?.[1];
  const ign = /NKD-LIVE-IGNITION-BEGIN\n([\s\S]*?)NKD-LIVE-IGNITION-END/.exec(t);
  return {
    text: t,
    cmdline: (one(/NKD-LIVE-CMDLINE (.*)/) ?? '').split(' ').filter(Boolean),
    mac: one(/NKD-LIVE-MAC (\S+)/), addr: one(/NKD-LIVE-ADDR (\S+)/), rootfs: one(/NKD-LIVE-ROOTFS (.*)/),
    ignitionRc: one(/NKD-LIVE-IGNITION rc=(\d+)/),
    ignition: ign ? Buffer.from((ign[1] ?? '').replace(/\s+/g, ''), 'base64') : undefined,
  };
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the PXE e2e test needs root (a bridge, taps, DHCP on port 67)');
  for (const f of ['/usr/bin/qemu-system-x86_64', '/usr/sbin/dnsmasq', '/usr/lib/ipxe/qemu/efi-virtio.rom']) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run hack/env/37-pxe.sh`);
  }
  const dir = execFileSync('bash', [join(packageRoot(), 'hack', 'guest', 'live-installer.sh')], { encoding: 'utf8' }).trim();
  standin = { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
  scratch = await mkdtemp(join(tmpdir(), 'nkd-e2e-pxe-'));
  await writeFile(join(scratch, 'rootfs.img'), Buffer.alloc(64 * 1024, 'stand-in rootfs '));

  for (const t of [NODE.tap, STRANGER.tap]) await shTry(['ip', 'link', 'del', t]);
  await shTry(['ip', 'link', 'del', BRIDGE]);
  await sh(['ip', 'link', 'add', BRIDGE, 'type', 'bridge']);
  await sh(['ip', 'addr', 'add', `${NET}.1/24`, 'dev', BRIDGE]);
  await sh(['ip', 'link', 'set', BRIDGE, 'up']);
  for (const t of [NODE.tap, STRANGER.tap]) {
    await sh(['ip', 'tuntap', 'add', 'dev', t, 'mode', 'tap']);
    await sh(['ip', 'link', 'set', t, 'master', BRIDGE, 'up']);
  }

  // The live images: the stand-in's kernel and initramfs, any bytes for the rootfs.
  const files: Record<string, string> = { '/live/kernel': standin.kernel, '/live/initramfs.img': standin.initrd, '/live/rootfs.img': join(scratch, 'rootfs.img') };
  images = createServer((req, res) => {
    const path = req.url ?? '';
    imageRequests.push({ path, from: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), agent: req.headers['user-agent'] ?? '' });
    const f = files[path];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(f).size });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(f).pipe(res);
  });
  await new Promise<void>((ok) => images.listen(0, `${NET}.1`, ok));
  const img = `http://${NET}.1:${(images.address() as AddressInfo).port}/live`;
  const baremetal = {
    httpAddress: `${NET}.1`, httpPort: await freePort(), installDevice: '/dev/vda',
    kernelURL: `${img}/kernel`, initrdURL: `${img}/initramfs.img`, rootfsURL: `${img}/rootfs.img`,
  };
  config = await validClusterConfig((d) => {
    delete d.spec.libvirt;
    Object.assign(d.spec, {
      platform: 'baremetal', baremetal,
      network: { cidr: `${NET}.0/24`, gateway: `${NET}.1`, dnsServers: [`${NET}.1`] },
      nodes: [{ name: NODE.name, role: 'control-plane', ip: NODE.ip, mac: NODE.mac }],
    });
  });
  const port = baremetal.httpPort;
  rendered = await renderCluster(config, { dir: join(scratch, 'cluster') }, goldenRenderDeps());
  desired = desiredCluster(config, rendered) as DesiredCluster<BareMetalNode>;

  // Real DHCP: the known node's MAC pinned to its IP, anyone else from the range; a client whose
  // user class is iPXE (the NIC's ROM) is sent straight to nkd's chain script over HTTP.
  dnsmasq = spawn('dnsmasq', [
    '--conf-file=/dev/null', '--no-daemon', '--port=0', `--interface=${BRIDGE}`, '--bind-interfaces', '--log-dhcp', '--log-facility=-',
    `--dhcp-leasefile=${join(scratch, 'dnsmasq.leases')}`, '--user=root', '--group=root',
    `--dhcp-range=${NET}.100,${NET}.150,255.255.255.0,1h`, `--dhcp-host=${NODE.mac},${NODE.ip}`,
    '--dhcp-userclass=set:ipxe,iPXE', `--dhcp-boot=tag:ipxe,http://${NET}.1:${port}/nkd/v1/ipxe/boot.ipxe`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  dnsmasq.stdout?.on('data', (b: Buffer) => void log.push(b.toString()));
  dnsmasq.stderr?.on('data', (b: Buffer) => void log.push(b.toString()));
  dnsmasqText = () => log.join('');
  await until('dnsmasq listens for DHCP', 10_000, () => /started, version|DHCP, IP range/.test(dnsmasqText()) || dnsmasq!.exitCode !== null);
  if (dnsmasq.exitCode !== null) throw new Error(`dnsmasq exited ${dnsmasq.exitCode}: ${dnsmasqText()}`);
}, 300_000);

let dnsmasqText = (): string => '';

afterAll(async () => {
  for (const g of guests) await stop(g);
  await stop(dnsmasq);
  await new Promise((ok) => (images ? images.close(ok) : ok(undefined)));
  for (const t of [NODE.tap, STRANGER.tap]) await shTry(['ip', 'link', 'del', t]);
  await shTry(['ip', 'link', 'del', BRIDGE]);
  if (scratch) await writeFile(join(scratch, 'dnsmasq.log'), dnsmasqText());
  if (process.env.NKD_KEEP_PXE_SCRATCH) process.stderr.write(`PXE scratch kept: ${scratch}\n`);
  else if (scratch) await rm(scratch, { recursive: true, force: true });
}, 120_000);

describe('a network install through the real iPXE ROM of a QEMU NIC', () => {
  let service: BootService | undefined;
  let netbootAt = 0;
  let node: ChildProcess | undefined;

  afterAll(async () => {
    await service?.stop();
  });

  test('the guest takes its machine script and its one-time first stage (the rendered one, byte for byte); the secret-bundle stage runs out by name, the stand-in installs nothing', async () => {
    const journal = await Journal.open(join(scratch, 'cluster', 'journal.json'), { clusterId: 'demo', provider: 'baremetal' });
    const power = (host: BareMetalHost): HostPower => ({
      via: 'the test (QEMU, boots from its NIC)',
      netboot() {
        netbootAt = Date.now();
        node = startGuest(host.mac!, NODE.tap, join(scratch, `${host.name}.console`));
        return Promise.resolve();
      },
    });
    const provider = new BareMetalProvider(bareMetalSettings(config), {
      power, addresses: () => [`${NET}.1`], waits: { scriptMs: 300_000, firstStageMs: 300_000, secretBundleMs: SECRET_BUNDLE_MS },
    });
    await provider.preflight('deploy');
    const plan = await provider.plan(desired, journal);
    expect(plan.items.map((i) => [i.name, i.action])).toEqual([[NODE.name, 'create']]);
    service = (await provider.serve(plan, { progress }))!;

    const err = await provider.apply(plan, journal, { progress }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toBe(`node ${NODE.name} has not fetched its secret bundle (the installed system boots) within ${SECRET_BUNDLE_MS / 1000} s`);
    const stages = said(new RegExp(`^${NODE.name} fetched`)).map((l) => l.text);
    expect(stages).toEqual([`${NODE.name} fetched its iPXE script`, `${NODE.name} fetched its first-stage Ignition (the live installer runs)`]);
    // the script went to the address dnsmasq pinned to the node's MAC
    expect(said(`node ${NODE.name} (${NODE.mac}, from ${NODE.ip}) took its iPXE script`)).toHaveLength(1);
    expect(said(`node ${NODE.name} (${NODE.mac}, from ${NODE.ip}) took its first stage`)).toHaveLength(1);
    expect(journal.entries().map((e) => [e.name, e.state])).toEqual([[NODE.name, 'creating']]);

    // the live kernel and initramfs were fetched by the iPXE ROM itself
    for (const p of ['/live/kernel', '/live/initramfs.img']) {
      expect(imageRequests.filter((r) => r.path === p && r.from === NODE.ip).map((r) => r.agent.split('/')[0])).toEqual(['iPXE']);
    }
    expect(dnsmasqText()).toMatch(new RegExp(`DHCPACK\\(${BRIDGE}\\) ${NODE.ip.replace(/\./g, '\\.')} ${NODE.mac}`));

    const firstStageAt = said(`node ${NODE.name} (${NODE.mac}, from ${NODE.ip}) took its first stage`)[0]!.at;
    process.stderr.write(`PXE: netboot to first stage fetched: ${((firstStageAt - netbootAt) / 1000).toFixed(1)} s\n`);

    // the stand-in reports what it saw, then powers off
    await until('the stand-in powers off', 120_000, () => node!.exitCode !== null || node!.signalCode !== null);
    const live = parseLiveConsole(await readFile(join(scratch, `${NODE.name}.console`), 'utf8'));
    expect(live.mac).toBe(NODE.mac);
    expect(live.addr).toBe(`${NODE.ip}/24`);
    expect(live.cmdline).toContain('nestos.inst.install_dev=/dev/vda');
    expect(live.cmdline).toContain(`nestos.live.rootfs_url=${config.spec.baremetal!.rootfsURL}`);
    expect(live.cmdline).toContain(`ip=${NODE.ip}::${NET}.1:255.255.255.0:${NODE.name}::none`);
    const ignArg = live.cmdline.find((a) => a.startsWith('nestos.inst.ignition_url='));
    const ignitionUrl = ignArg?.slice('nestos.inst.ignition_url='.length) ?? '';
    // iPXE filled in ${net0/mac}: the URL names the node's own MAC
    expect(ignitionUrl).toMatch(new RegExp(`^${service.url}/nkd/v1/ignition/[A-Za-z0-9_-]{43}\\?mac=${NODE.mac}$`));
    expect(live.rootfs).toBe(`rc=0 bytes=${64 * 1024}`);
    expect(live.ignitionRc).toBe('0');
    const renderedIgn = await readFile(rendered.nodes.find((n) => n.name === NODE.name)!.ignitionPath);
    expect(live.ignition?.equals(renderedIgn)).toBe(true);
    expect(live.ignition?.toString('utf8')).not.toMatch(/PRIVATE KEY/);

    // the token was spent: the same URL from here is refused
    expect(await statusOf(ignitionUrl)).toBe(403);
    expect(said(/refused a first stage to .*: token \S+ for node master-1 was already used/)).toHaveLength(1);
  });

  test('a guest whose MAC the cluster file does not name gets no machine script (404) and never a first stage', async () => {
    expect(service).toBeDefined();
    const firstStagesBefore = said('took its first stage').length;
    const imagesBefore = imageRequests.length;
    const consoleLog = join(scratch, 'stranger.console');
    const started = Date.now();
    const g = startGuest(STRANGER.mac, STRANGER.tap, consoleLog);
    await until('the stranger asks for its machine script', 300_000, () => said(`no machine script for ${STRANGER.mac}`).length > 0 || g.exitCode !== null);
    const refusal = said(`no machine script for ${STRANGER.mac}`)[0];
    expect(refusal?.text).toMatch(new RegExp(`^boot service: no machine script for ${STRANGER.mac} \\(from ${NET}\\.(1[0-4][0-9]|150)\\): the cluster file names no node with that MAC$`));
    process.stderr.write(`PXE: stranger netboot to 404: ${(((refusal?.at ?? 0) - started) / 1000).toFixed(1)} s\n`);
    // give its ROM time to do anything more, then stop it
    await new Promise((r) => setTimeout(r, 15_000));
    await stop(g);
    expect(said('took its first stage')).toHaveLength(firstStagesBefore);
    expect(said(/took its iPXE script/).filter((l) => l.text.includes(STRANGER.mac))).toEqual([]);
    expect(imageRequests.slice(imagesBefore)).toEqual([]);
    expect(await readFile(consoleLog, 'utf8').catch(() => '')).not.toContain('NKD-LIVE-STANDIN-BOOTED');
    expect(dnsmasqText()).toMatch(new RegExp(`DHCPACK\\(${BRIDGE}\\) \\S+ ${STRANGER.mac}`));
  });
});
