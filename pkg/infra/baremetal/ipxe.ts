/**
 * The iPXE chain of a bare-metal deploy: the chain script every host may fetch, and each
 * host's own script, which boots the NestOS live kernel with nestos-installer's arguments.
 *
 * Kernel arguments, as checked against NestOS's sources (openeuler-mirror):
 * - nestos-installer's scripts/nestos-installer-service (from v0.14.0, commit 565a47d, to
 *   v0.20.0) reads `nestos.inst.install_dev` and `nestos.inst.ignition_url` (it passes
 *   `--insecure-ignition`, so a plain-HTTP URL is accepted); docs/getting-started.md lists them;
 * - nestos-config's 35nestos-live/nestos-livepxe-rootfs.sh fetches the live rootfs from
 *   `nestos.live.rootfs_url` (HTTP or HTTPS only);
 * - `initrd=main` with `initrd --name main` is how a UEFI kernel finds its initramfs (the
 *   CoreOS iPXE examples); `ip=<ip>::<gateway>:<netmask>:<hostname>:<interface>:none` and `nameserver=`
 *   are dracut's static network (dracut.cmdline(7)), forwarded to the first boot by the
 *   installer service (its PERSIST_DRACUT_NET_PARAMS);
 * - `${net0/mac}` is iPXE's MAC setting of the first NIC (ipxe.org/cfg/mac: "chain
 *   http://…/boot.php?mac=${net0/mac}").
 *
 * A script is text iPXE executes: every value that goes in is checked against a strict
 * pattern first (a MAC, a URL, a device path), and the templates insert values only through
 * helpers that refuse anything else, so no value can add a command or a variable.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { ClusterConfig } from '../../config/types.gen.js';
import { templatePath } from '../../paths.js';
import { NkdError, ExitCode } from '../../ui/errors.js';

/** Where the chain and the machine scripts are served. */
export const IPXE_PREFIX = '/nkd/v1/ipxe/';
/** Where a first stage is served, followed by a one-time token. */
export const IGNITION_PREFIX = '/nkd/v1/ignition/';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const URL_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~%/+=,-]*)?(\?[A-Za-z0-9._~%/+=,-]*)?$/;
const DEVICE = /^\/dev\/[A-Za-z0-9._+:/-]+$/;
/** A dotted-quad IPv4 address. */
export const IPV4 = /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
const IFACE = /^[A-Za-z0-9._-]{1,15}$/;
/** A DNS label (a node name as it goes into a script or a DHCP config). */
export const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** One kernel-command-line word with nothing iPXE or the kernel would read as syntax. */
const KARG = /^[A-Za-z0-9._/:=,+%?~-]+$/;

/** A MAC in iPXE's form (lower-case, colons), from colons or hyphens; undefined when malformed. */
export function normalizeMac(text: string | undefined | null): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = text.trim().toLowerCase().replace(/-/g, ':');
  return MAC.test(m) ? m : undefined;
}

/** Whether a URL is plain enough to go into an iPXE script (http/https, no spaces, `$`, `&`, quotes…). */
export const isScriptSafeUrl = (url: string): boolean => URL_PATTERN.test(url);

/** Whether a device path is a /dev path with no `..` and nothing that needs escaping. */
export const isSafeDevice = (dev: string): boolean => DEVICE.test(dev) && !dev.split('/').includes('..');

/** One host the chain knows: its node, boot MAC, install device and, when static, its network. */
export interface IpxeMachine {
  node: string;
  mac: string;
  installDevice: string;
  /** The live system's static network; `iface` empty: dracut/NetworkManager pick the device. */
  network?: { ip: string; gateway: string; netmask: string; dns: string[]; iface: string };
}

/** What the machine scripts are made of: the boot service's URL, the live images, the hosts. */
export interface IpxeBoot {
  /** The boot service as the hosts reach it, e.g. http://10.30.0.2:9080. */
  baseUrl: string;
  kernelUrl: string;
  initrdUrl: string;
  rootfsUrl: string;
  machines: IpxeMachine[];
}

function netmaskOf(cidr: string): string | undefined {
  const m = /^[0-9.]+\/([0-9]{1,2})$/.exec(cidr);
  const prefix = m ? Number(m[1]) : NaN;
  if (!(prefix >= 0 && prefix <= 32)) return undefined;
  const n = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A value that cannot go into an iPXE script: its field path and why. */
export interface IpxeProblem {
  path: string;
  message: string;
}

/** The iPXE chain of a cluster file and every problem of its values. */
function readIpxeBoot(config: ClusterConfig, baseUrl?: string): { boot: IpxeBoot; problems: IpxeProblem[] } {
  const b = config.spec.baremetal;
  const problems: IpxeProblem[] = [];
  const url = (v: string | undefined, path: string): string => {
    if (!v) problems.push({ path, message: 'required field is missing: the iPXE script boots the NestOS live image from it' });
    else if (!isScriptSafeUrl(v)) problems.push({ path, message: `invalid value ${JSON.stringify(v)}: must be an http(s) URL of letters, digits and . _ ~ % / + = , - (nkd does not serve the live images itself)` });
    return v ?? '';
  };
  const base = baseUrl ?? `http://${b?.httpAddress ?? ''}:${b?.httpPort ?? 9080}`;
  url(base, 'spec.baremetal.httpAddress');
  const boot: IpxeBoot = {
    baseUrl: base.replace(/\/$/, ''),
    kernelUrl: url(b?.kernelURL, 'spec.baremetal.kernelURL'),
    initrdUrl: url(b?.initrdURL, 'spec.baremetal.initrdURL'),
    rootfsUrl: url(b?.rootfsURL, 'spec.baremetal.rootfsURL'),
    machines: [],
  };
  const net = config.spec.network;
  config.spec.nodes.forEach((n, i) => {
    // an existing host boots nothing from nkd: it is reached over SSH alone
    if (n.baremetal?.provision === 'existing') return;
    const mac = normalizeMac(n.mac);
    if (!mac) problems.push({ path: `spec.nodes[${i}].mac`, message: `invalid value ${JSON.stringify(n.mac ?? '')}: must be six hex pairs like 52:54:00:12:34:56` });
    if (!HOSTNAME.test(n.name)) problems.push({ path: `spec.nodes[${i}].name`, message: `invalid value ${JSON.stringify(n.name)}: must be a DNS label` });
    const dev = n.baremetal?.installDevice ?? b?.installDevice ?? '/dev/sda';
    const devPath = n.baremetal?.installDevice ? `spec.nodes[${i}].baremetal.installDevice` : 'spec.baremetal.installDevice';
    if (!isSafeDevice(dev)) problems.push({ path: devPath, message: `invalid value ${JSON.stringify(dev)}: must be a /dev path of letters, digits and . _ + : / -` });
    const m: IpxeMachine = { node: n.name, mac: mac ?? '', installDevice: dev };
    if (n.ip) {
      const netmask = net ? netmaskOf(net.cidr) : undefined;
      const addrs = [n.ip, net?.gateway ?? '', ...(net?.dnsServers ?? [])];
      if (!net || !netmask || !addrs.every((a) => IPV4.test(a))) {
        problems.push({ path: `spec.nodes[${i}].ip`, message: 'the static network for the live system needs spec.network (cidr, gateway, dnsServers) as IPv4 addresses' });
      } else if (net.interface !== undefined && !IFACE.test(net.interface)) {
        problems.push({ path: 'spec.network.interface', message: `invalid value ${JSON.stringify(net.interface)}: must be an interface name of letters, digits and . _ -` });
      } else {
        m.network = { ip: n.ip, gateway: net.gateway, netmask, dns: [...net.dnsServers], iface: net.interface ?? '' };
      }
    }
    boot.machines.push(m);
  });
  return { boot, problems };
}

/** What keeps a cluster file's values out of an iPXE script (validate reports them too). */
export function ipxeProblems(config: ClusterConfig): IpxeProblem[] {
  return readIpxeBoot(config).problems;
}

/**
 * The iPXE chain of a bare-metal cluster file, every value checked: a field that cannot go into
 * a script is refused, all of them at once, naming the field path and the fix.
 */
export function ipxeBootFrom(config: ClusterConfig, baseUrl?: string): IpxeBoot {
  const { boot, problems } = readIpxeBoot(config, baseUrl);
  if (problems.length > 0) {
    throw new NkdError(`cluster.yaml: cannot write the iPXE scripts:\n  ${problems.map((x) => `${x.path}: ${x.message}`).join('\n  ')}`, {
      code: ExitCode.Usage,
      hint: 'fix the fields named above in the cluster file',
    });
  }
  return boot;
}

const hbs = Handlebars.create();
const checked = (pattern: RegExp, helper: string) => (v: unknown) => {
  if (typeof v !== 'string') throw new Error(`template value for {{${helper}}} is missing`);
  if (!pattern.test(v)) throw new Error(`iPXE script value ${JSON.stringify(v)} refused by {{${helper}}}: it holds characters a script would read as syntax`);
  return new hbs.SafeString(v);
};
hbs.registerHelper('url', checked(URL_PATTERN, 'url'));
hbs.registerHelper('arg', checked(KARG, 'arg'));

const cache = new Map<string, Handlebars.TemplateDelegate>();
function renderIpxeTemplate(name: string, context: object): string {
  let t = cache.get(name);
  if (!t) {
    t = hbs.compile(readFileSync(templatePath('ipxe', `${name}.hbs`), 'utf8'), { strict: true });
    cache.set(name, t);
  }
  return t(context);
}

/** The script every host may fetch: it chains to its own script by its MAC. */
export function renderChainScript(baseUrl: string): string {
  return renderIpxeTemplate('chain.ipxe', { machineUrl: `${baseUrl}${IPXE_PREFIX}machine` });
}

/** The kernel arguments of a machine's live boot, the first-stage URL aside. */
export function machineKernelArgs(boot: IpxeBoot, m: IpxeMachine): string[] {
  const args = [`nestos.live.rootfs_url=${boot.rootfsUrl}`, `nestos.inst.install_dev=${m.installDevice}`];
  if (m.network) {
    args.push(`ip=${m.network.ip}::${m.network.gateway}:${m.network.netmask}:${m.node}:${m.network.iface}:none`, ...m.network.dns.map((d) => `nameserver=${d}`), 'rd.neednet=1');
  }
  return args;
}

/** A machine's own script, its first stage behind the one-time `token`. */
export function renderMachineScript(boot: IpxeBoot, m: IpxeMachine, token: string): string {
  return renderIpxeTemplate('boot.ipxe', {
    node: m.node,
    mac: m.mac,
    installDevice: m.installDevice,
    kernelUrl: boot.kernelUrl,
    initrdUrl: boot.initrdUrl,
    kargs: machineKernelArgs(boot, m),
    ignitionUrl: `${boot.baseUrl}${IGNITION_PREFIX}${token}`,
  });
}

/**
 * A machine's script once it has taken its first stage: boot the local disk (UEFI: `exit` back
 * to the firmware's next boot entry; BIOS: the first hard disk, else `exit`).
 */
export function renderLocalBootScript(m: IpxeMachine): string {
  return renderIpxeTemplate('local.ipxe', { node: m.node, mac: m.mac });
}
