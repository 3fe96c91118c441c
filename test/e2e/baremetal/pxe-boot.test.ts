/**
 * Guests that really PXE-boot through iPXE from nkd's boot service. On a bridge of its own:
 * real dnsmasq as the site's DHCP server, configured with the boot/dnsmasq.conf nkd rendered;
 * nkd's boot service (the iPXE routes) and TFTP server over a real bare-metal render; QEMU
 * guests (software emulation, plain qemu on TAP devices) with Debian's iPXE NIC ROMs. Guest A
 * (a node's MAC) goes DHCP → iPXE → boot.ipxe → machine?mac → kernel + initrd → the STAND-IN
 * NestOS live installer (hack/guest/live-installer-tftp.sh: the test guest's kernel with an init that
 * reads the nestos.inst.* arguments and fetches the Ignition URL; it installs nothing), which
 * reports on its serial console what it got. Guest B (a MAC nobody knows) gets no DHCP answer;
 * guest C (a MAC the site's DHCP lists but the cluster file does not) gets a 404 for its script.
 * Then A boots again and is told to boot its disk.
 *
 * Runs as root with qemu, dnsmasq, Debian's ipxe and ovmf installed (hack/env/37-pxe.sh); outside CI
 * it is skipped when they are missing, in CI (CI=true) it always runs.
 */
import { jest } from '@jest/globals';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import { CLUSTER_PATHS } from '../../../pkg/cluster-dir.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { startSecretBundleServer, type BootRoute } from '../../../pkg/infra/boot-service.js';
import { ipxeBootFrom, renderLocalBootScript } from '../../../pkg/infra/baremetal/ipxe.js';
import { ipxeRoutes } from '../../../pkg/infra/baremetal/ipxe-routes.js';
import { startTftpServer, type TftpServer } from '../../../pkg/infra/baremetal/tftp.js';
import type { BootService, Progress } from '../../../pkg/infra/types.js';
import { packageRoot } from '../../../pkg/paths.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { freePort } from '../../harness/ports.js';
import { createBridge, createTap, deleteLink, OVMF, parseLiveConsole, startDnsmasq, startPxeGuest, stopChild, textOf, waitFor } from './pxe-lab.js';

jest.setTimeout(600_000);

// Names and addresses of this test only (another PXE test on the machine may hold nkdpxe0).
const BRIDGE = 'nkdhpxe0';
const NET = '10.231.63';
const HOST = `${NET}.1`;
const A = { mac: '52:54:00:3f:63:0a', tap: 'nkdhpxe0a', ip: `${NET}.11` };
const B = { mac: '52:54:00:3f:63:0b', tap: 'nkdhpxe0b' };
const C = { mac: '52:54:00:3f:63:0c', tap: 'nkdhpxe0c', ip: `${NET}.13` };
const D = { mac: '52:54:00:3f:63:12', tap: 'nkdhpxe0d', ip: `${NET}.12` }; // worker-1, UEFI
const IPXE_DIR = '/usr/lib/ipxe';

const ready = process.getuid?.() === 0 && ['/usr/bin/qemu-system-x86_64', '/usr/sbin/dnsmasq', `${IPXE_DIR}/undionly.kpxe`, `${IPXE_DIR}/ipxe.efi`, OVMF].every((f) => existsSync(f));
const suite = ready || process.env.CI === 'true' ? describe : describe.skip;

let scratch: string;
let config: ClusterConfig;
let r: RenderResult;
let boot: BootService | undefined;
let tftp: TftpServer | undefined;
let images: Server | undefined;
let dnsmasq: ChildProcess | undefined;
const guests: ChildProcess[] = [];
const lines: string[] = [];
/** Every request the boot service and the image server answered: who, what, which status. */
const requests: Array<{ from: string; url: string; status: number }> = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };
const took: Record<string, number> = {};

const recordTo = (req: IncomingMessage, res: ServerResponse): void => {
  res.on('finish', () => requests.push({ from: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), url: req.url ?? '', status: res.statusCode }));
};
const recorded = (route: BootRoute): BootRoute => ({ prefix: route.prefix, handle: (req, res) => (recordTo(req, res), route.handle(req, res)) });
const dnsmasqLog = (): string => textOf(join(scratch, 'dnsmasq.log'));

/** The test's stand-in for the site's image mirror: the live kernel, initramfs and a rootfs. */
async function serveImages(files: Record<string, string>): Promise<string> {
  images = createServer((req, res) => {
    recordTo(req, res);
    const file = files[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    readFile(file).then((b) => res.writeHead(200, { 'content-length': b.length }).end(b), () => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => images!.listen(0, HOST, resolve));
  return `http://${HOST}:${(images.address() as AddressInfo).port}`;
}

suite('PXE/iPXE boot of QEMU guests from nkd\'s boot service, with the site\'s DHCP configured by render', () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nkd-e2e-pxe-boot-'));
    const live = execFileSync('bash', [join(packageRoot(), 'hack', 'guest', 'live-installer-tftp.sh')], { encoding: 'utf8' }).trim();
    createBridge(BRIDGE, `${HOST}/24`);
    for (const g of [A, B, C, D]) createTap(g.tap, BRIDGE);
    await writeFile(join(scratch, 'rootfs.img'), Buffer.alloc(96 * 1024, 7));
    const img = await serveImages({ '/live/vmlinuz': join(live, 'vmlinuz'), '/live/initrd.img': join(live, 'initrd.img'), '/live/rootfs.img': join(scratch, 'rootfs.img') });
    const port = await freePort();
    config = await validClusterConfig((d) => {
      delete d.spec.libvirt;
      d.spec.platform = 'baremetal';
      d.spec.network = { cidr: `${NET}.0/24`, gateway: HOST, dnsServers: [HOST] };
      d.spec.baremetal = {
        httpAddress: HOST, httpPort: port, tftpAddress: HOST, installDevice: '/dev/vda',
        kernelURL: `${img}/live/vmlinuz`, initrdURL: `${img}/live/initrd.img`, rootfsURL: `${img}/live/rootfs.img`,
      };
      d.spec.nodes = [
        { name: 'master-1', role: 'control-plane', ip: A.ip, mac: A.mac },
        { name: 'worker-1', role: 'worker', ip: D.ip, mac: D.mac },
      ];
    });
    r = await renderCluster(config, { dir: join(scratch, 'cluster') }, goldenRenderDeps());
    boot = await startSecretBundleServer({
      host: HOST, port, progress,
      routes: ipxeRoutes({ boot: ipxeBootFrom(config), firstStages: r.nodes.map((n) => ({ node: n.name, file: n.ignitionPath })), progress }).map(recorded),
      bundles: r.nodes.map((n) => ({ node: n.name, file: n.secretBundle!.path, sha512: n.secretBundle!.sha512, clientIp: n.ip })),
    });
    const tftpRoot = join(scratch, 'tftp');
    mkdirSync(tftpRoot);
    for (const f of ['undionly.kpxe', 'ipxe.efi']) copyFileSync(join(IPXE_DIR, f), join(tftpRoot, f));
    tftp = await startTftpServer({ root: tftpRoot, host: HOST, port: 69, progress });
    // The site's DHCP server: nkd's rendered snippet as it is, plus what the site itself adds —
    // its range, and one stale entry for a host the cluster file does not name (guest C).
    const conf = join(scratch, 'dnsmasq.conf');
    await writeFile(conf, `${await readFile(join(r.dir, CLUSTER_PATHS.dnsmasq), 'utf8')}\n# the site's own line: a host its DHCP still lists, not in the cluster file\ndhcp-host=${C.mac},set:nkd,${C.ip},stale-host\n`);
    execFileSync('dnsmasq', ['--test', `--conf-file=${conf}`], { stdio: 'ignore' });
    dnsmasq = startDnsmasq({ conf, bridge: BRIDGE, range: `${NET}.0,static,255.255.255.0`, leases: join(scratch, 'leases'), log: join(scratch, 'dnsmasq.log') });
    await waitFor('dnsmasq to start', () => dnsmasqLog().includes('DHCP, static leases only'), 10_000);
  });

  afterAll(async () => {
    for (const g of guests) await stopChild(g);
    await stopChild(dnsmasq);
    await tftp?.stop();
    await boot?.stop();
    await new Promise<void>((resolve) => (images ? images.close(() => resolve()) : resolve()));
    for (const g of [A, B, C, D]) deleteLink(g.tap);
    deleteLink(BRIDGE);
    if (process.env.NKD_KEEP_PXE_SCRATCH !== '1') await rm(scratch, { recursive: true, force: true });
    if (Object.keys(took).length) process.stdout.write(`pxe e2e timings (ms): ${JSON.stringify(took)}\n`);
  });

  test('a known host installs with its own first stage, strangers get nothing, and the installed host boots its disk', async () => {
    const t0 = Date.now();
    const serial = (n: string): string => join(scratch, `${n}.console`);
    const a = startPxeGuest({ tap: A.tap, mac: A.mac, serial: serial('a') });
    const b = startPxeGuest({ tap: B.tap, mac: B.mac, serial: serial('b') });
    const c = startPxeGuest({ tap: C.tap, mac: C.mac, serial: serial('c') });
    guests.push(a, b, c);
    const aExit = new Promise<number | null>((resolve) => a.once('exit', (code) => resolve(code)));

    // Guest A: DHCP → iPXE → boot.ipxe → machine?mac → kernel + initrd → the stand-in installer.
    took.aInstalled = await waitFor('guest A\'s stand-in installer to finish', () => parseLiveConsole(textOf(serial('a'))).done, 360_000);
    expect(await aExit).toBe(0); // it powered off
    const report = parseLiveConsole(textOf(serial('a')));
    const master = r.nodes.find((n) => n.name === 'master-1')!;
    expect(report.ignition).toBeDefined();
    expect(report.ignition!.equals(await readFile(master.ignitionPath))).toBe(true);
    const first = report.ignition!.toString('utf8');
    expect(first).not.toMatch(/PRIVATE KEY/);
    expect(first).not.toContain((await readFile(join(r.dir, CLUSTER_PATHS.bootstrapToken), 'utf8')).trim());
    expect(first).toContain(`/nkd/v1/secrets/master-1`); // the second stage is merged from the boot service
    const tokenUrl = new RegExp(`^http://${HOST.replace(/\./g, '\\.')}:${new URL(boot!.url).port}/nkd/v1/ignition/[A-Za-z0-9_-]{43}\\?mac=${A.mac}$`);
    expect(report.args).toEqual({
      'nestos.inst.install_dev': '/dev/vda',
      'nestos.inst.ignition_url': expect.stringMatching(tokenUrl), // iPXE expanded ${net0/mac}
      'nestos.live.rootfs_url': config.spec.baremetal!.rootfsURL,
      ip: `${A.ip}::${HOST}:255.255.255.0:master-1::none`,
    });
    expect(report.net).toMatch(new RegExp(`^\\S+ ${A.mac} ${A.ip}/255\\.255\\.255\\.0 gw ${HOST} host master-1$`));
    expect(report.rootfsBytes).toBe(statSync(join(scratch, 'rootfs.img')).size);
    const fromA = requests.filter((q) => q.from === A.ip).map((q) => `${q.status} ${q.url.replace(/ignition\/[^?]+/, 'ignition/TOKEN')}`);
    expect(fromA).toEqual([
      '200 /nkd/v1/ipxe/boot.ipxe',
      `200 /nkd/v1/ipxe/machine?mac=${encodeURIComponent(A.mac)}`, // iPXE's chain URI-encodes the expanded MAC
      '200 /live/vmlinuz',
      '200 /live/initrd.img',
      '200 /live/rootfs.img',
      `200 /nkd/v1/ignition/TOKEN?mac=${A.mac}`,
    ]);
    expect(dnsmasqLog()).toMatch(new RegExp(`DHCPACK\\(${BRIDGE}\\) ${A.ip.replace(/\./g, '\\.')} ${A.mac} master-1`));
    expect(dnsmasqLog()).toContain(`option: 67 bootfile-name  http://${HOST}:${new URL(boot!.url).port}/nkd/v1/ipxe/boot.ipxe`);
    expect(dnsmasqLog()).toMatch(/ tags: nkd, known, ipxe, bios, /); // the ROM is iPXE: the user class decided

    // The token is spent: replaying it gets 403.
    expect((await fetch(report.args['nestos.inst.ignition_url']!)).status).toBe(403);
    expect(lines.join('\n')).toMatch(/refused a first stage to 10\.231\.63\.1: token [0-9a-f]{12} for node master-1 was already used/);

    // Guest C: the site's DHCP lists it, the cluster file does not: its script request gets 404.
    await waitFor('guest C\'s machine script request', () => requests.some((q) => q.from === C.ip && q.url.startsWith('/nkd/v1/ipxe/machine')), 120_000);
    took.cRefused = Date.now() - t0;
    expect(requests.filter((q) => q.from === C.ip).map((q) => `${q.status} ${q.url}`)).toEqual(['200 /nkd/v1/ipxe/boot.ipxe', `404 /nkd/v1/ipxe/machine?mac=${encodeURIComponent(C.mac)}`]);
    expect(lines).toContain(`boot service: no machine script for ${C.mac} (from ${C.ip}): the cluster file names no node with that MAC`);

    // Guest B: an unknown MAC gets no DHCP answer at all, so it fetches nothing.
    await waitFor('dnsmasq to ignore guest B', () => dnsmasqLog().includes(`DHCPDISCOVER(${BRIDGE}) ${B.mac} ignored`), 120_000);
    expect(dnsmasqLog()).not.toMatch(new RegExp(`DHCP(OFFER|ACK)\\(${BRIDGE}\\) \\S+ ${B.mac}`));
    expect(lines.join('\n')).not.toContain(B.mac);
    for (const g of [b, c]) await stopChild(g);
    expect(parseLiveConsole(textOf(serial('b'))).booted).toBe(false);
    expect(parseLiveConsole(textOf(serial('c'))).booted).toBe(false);
    expect(requests.filter((q) => q.url.startsWith('/nkd/v1/ignition/'))).toHaveLength(2); // A's fetch and the replay
    expect(tftp!.served()).toEqual([]); // the ROMs are iPXE already: nothing came over TFTP

    // After install, A network-boots again and is told to boot its disk: no installer, no token.
    const before = requests.length;
    const t1 = Date.now();
    const again = startPxeGuest({ tap: A.tap, mac: A.mac, serial: serial('a2') });
    guests.push(again);
    took.aLocalBoot = await waitFor('guest A\'s second machine script', () => requests.slice(before).some((q) => q.url.startsWith('/nkd/v1/ipxe/machine')), 180_000);
    await new Promise((res) => setTimeout(res, 3_000)); // anything it would fetch next
    await stopChild(again);
    expect(requests.slice(before).map((q) => `${q.from} ${q.status} ${q.url}`)).toEqual([`${A.ip} 200 /nkd/v1/ipxe/boot.ipxe`, `${A.ip} 200 /nkd/v1/ipxe/machine?mac=${encodeURIComponent(A.mac)}`]);
    expect(lines).toContain(`boot service: node master-1 (${A.mac}, from ${A.ip}) is installed: its iPXE script boots the local disk`);
    const script = await (await fetch(`${boot!.url}/nkd/v1/ipxe/machine?mac=${A.mac}`)).text();
    expect(script).toBe(renderLocalBootScript(ipxeBootFrom(config).machines[0]!));
    expect(parseLiveConsole(textOf(serial('a2'))).booted).toBe(false);
    took.total = Date.now() - t0;
    took.secondBootToScript = Date.now() - t1;
  });

  test('a UEFI host whose firmware is not iPXE gets ipxe.efi over nkd\'s TFTP by its client architecture, then installs the same way', async () => {
    const t0 = Date.now();
    const before = requests.length;
    const d = startPxeGuest({ tap: D.tap, mac: D.mac, serial: join(scratch, 'd.console'), uefi: true });
    guests.push(d);
    const dExit = new Promise<number | null>((resolve) => d.once('exit', (code) => resolve(code)));
    took.uefiInstalled = await waitFor('guest D\'s stand-in installer to finish', () => parseLiveConsole(textOf(join(scratch, 'd.console'))).done, 420_000);
    expect(await dExit).toBe(0);
    expect(tftp!.served()).toEqual([{ client: D.ip, file: 'ipxe.efi' }]);
    expect(dnsmasqLog()).toMatch(new RegExp(`vendor class: PXEClient:Arch:00007:[^\\n]*\\n(.*\\n)*?.* tags: nkd, known, efi64, ${BRIDGE}\\n`));
    expect(dnsmasqLog()).toMatch(/ tags: nkd, known, ipxe, efi64, /); // then ipxe.efi asks, as iPXE
    const report = parseLiveConsole(textOf(join(scratch, 'd.console')));
    const worker = r.nodes.find((n) => n.name === 'worker-1')!;
    expect(report.ignition?.equals(await readFile(worker.ignitionPath))).toBe(true);
    expect(report.args.ip).toBe(`${D.ip}::${HOST}:255.255.255.0:worker-1::none`);
    expect(requests.slice(before).map((q) => `${q.from} ${q.status} ${q.url.replace(/ignition\/[^?]+/, 'ignition/TOKEN')}`)).toEqual([
      `${D.ip} 200 /nkd/v1/ipxe/boot.ipxe`,
      `${D.ip} 200 /nkd/v1/ipxe/machine?mac=${encodeURIComponent(D.mac)}`,
      `${D.ip} 200 /live/vmlinuz`,
      `${D.ip} 200 /live/initrd.img`,
      `${D.ip} 200 /live/rootfs.img`,
      `${D.ip} 200 /nkd/v1/ignition/TOKEN?mac=${D.mac}`,
    ]);
    took.uefiTotal = Date.now() - t0;
  });
});
