/**
 * The PXE e2e test's segment: a Linux bridge with the host's address, TAP devices for QEMU
 * guests, the site's DHCP server (real dnsmasq with nkd's rendered snippet) and QEMU guests that
 * network-boot with Debian's iPXE NIC ROMs under software emulation. Everything started here is
 * stopped by its PID; every link is deleted in teardown.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Runs `ip` with the given arguments (throws with its stderr). */
export const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Deletes a link if it exists. */
export const deleteLink = (name: string): void => {
  try {
    ip('link', 'del', name);
  } catch {
    /* not there */
  }
};

/** Creates the bridge with the host's address on it (a stale one of the same name first removed). */
export function createBridge(name: string, hostCidr: string): void {
  deleteLink(name);
  ip('link', 'add', name, 'type', 'bridge');
  ip('addr', 'add', hostCidr, 'dev', name);
  ip('link', 'set', name, 'up');
}

/** Creates a TAP device in the bridge for one guest. */
export function createTap(name: string, bridge: string): void {
  deleteLink(name);
  ip('tuntap', 'add', 'dev', name, 'mode', 'tap');
  ip('link', 'set', name, 'master', bridge, 'up');
}

/** Stops a child by its PID (SIGTERM, then SIGKILL after `ms`) and waits for it. */
export async function stopChild(child: ChildProcess | undefined, ms = 5_000): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), ms);
  await gone;
  clearTimeout(t);
}

/** Real dnsmasq as the site's DHCP server on the bridge only (no DNS: --port=0). */
export function startDnsmasq(o: { conf: string; bridge: string; range: string; leases: string; log: string }): ChildProcess {
  const child = spawn('dnsmasq', [
    '--keep-in-foreground', `--conf-file=${o.conf}`, '--port=0', `--interface=${o.bridge}`, '--bind-interfaces',
    `--dhcp-range=${o.range}`, `--dhcp-leasefile=${o.leases}`, '--log-dhcp', `--log-facility=${o.log}`,
    '--user=root', '--group=root', '--no-resolv', '--no-hosts',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.once('exit', (code) => {
    if (code) process.stderr.write(`dnsmasq exited ${code}: ${err}\n`);
  });
  return child;
}

/** Debian's OVMF (package ovmf): UEFI firmware with its own PXE client. */
export const OVMF = '/usr/share/ovmf/OVMF.fd';

/**
 * A QEMU guest that network-boots, software emulation. BIOS: SeaBIOS runs the NIC's iPXE ROM
 * (Debian's ipxe-qemu), so the first DHCP client is iPXE already. `uefi`: OVMF with no NIC ROM,
 * so its own UEFI PXE client (client architecture 7, no iPXE user class) asks first.
 */
export function startPxeGuest(o: { tap: string; mac: string; serial: string; uefi?: boolean }): ChildProcess {
  return spawn('qemu-system-x86_64', [
    '-machine', 'accel=tcg', '-m', '384', '-nodefaults', '-display', 'none', '-no-reboot', '-boot', 'n',
    ...(o.uefi ? ['-bios', OVMF] : []),
    '-netdev', `tap,id=n0,ifname=${o.tap},script=no,downscript=no`,
    '-device', `virtio-net-pci,netdev=n0,mac=${o.mac}${o.uefi ? ',romfile=,bootindex=1' : ''}`,
    '-serial', `file:${o.serial}`,
  ], { stdio: 'ignore' });
}

/** Text of a file, empty when it does not exist yet. */
export const textOf = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8').replace(/\r/g, '') : '');

/** Waits until `ok()` holds, polling; throws naming `what` after `ms`. */
export async function waitFor(what: string, ok: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return Date.now() - t0;
}

/** What the stand-in live installer (hack/guest/live-installer-tftp-init.sh) reported on its console. */
export interface LiveReport {
  booted: boolean;
  done: boolean;
  args: Record<string, string>;
  net?: string;
  rootfsBytes?: number;
  ignition?: Buffer;
}

/** Parses the stand-in live installer's serial console. */
export function parseLiveConsole(text: string): LiveReport {
  const args: Record<string, string> = {};
  for (const m of text.matchAll(/^NKD-LIVE-ARG ([^=\s]+)=(.*)$/gm)) args[m[1]!] = m[2]!;
  const ign = /NKD-IGNITION-BEGIN\n([\s\S]*?)NKD-IGNITION-END/.exec(text);
  const rootfs = /^NKD-LIVE-ROOTFS-BYTES (\d+)$/m.exec(text);
  return {
    booted: text.includes('NKD-LIVE-BOOTED'),
    done: text.includes('NKD-LIVE-DONE'),
    args,
    net: /^NKD-LIVE-NET (.*)$/m.exec(text)?.[1],
    ...(rootfs ? { rootfsBytes: Number(rootfs[1]) } : {}),
    ...(ign ? { ignition: Buffer.from(ign[1]!.replace(/\s+/g, ''), 'base64') } : {}),
  };
}
