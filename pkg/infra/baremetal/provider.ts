/**
 * The bare-metal provider: hosts install NestOS over the network from nkd's boot service (iPXE
 * chain, one-time first-stage URLs, TFTP for `boot: pxe`, the secret bundles to each host's
 * own address, once). Provisioning a host = making it boot from the network once (its BMC, or
 * the printed manual step) and watching it through named, bounded stages: iPXE script → first
 * stage (the live installer) → secret bundle (the installed system's first boot) → SSH answering
 * with the host key nkd made for the node (the host that took the bundle is the one). The
 * lifecycle then waits for the API server and the Ready nodes as on every platform.
 * Nothing is created on a host that a re-run could duplicate: a host recorded as installed is
 * kept; destroy releases the records and wipes nothing.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BareMetalNode } from '../../config/types.gen.js';
import { checkAbort } from '../../abort.js';
import { publicKeyBlob, sshFingerprint } from '../../ssh-key-format.js';
import { NkdError, ExitCode, usageError } from '../../ui/errors.js';
import { mapLimit } from '../../worker-pool.js';
import { localAddresses, startSecretBundleServer } from '../boot-service.js';
import type { Journal } from '../journal.js';
import type { PreflightProblem } from '../ssh/preflight-checks.js';
import type { JsonObject } from '../platform.js';
import type { BootService, DesiredCluster, DesiredNode, DestroyReport, Host, Plan, Progress, Provider, ResourceStatus, RunOptions } from '../types.js';
import { BOOT_STAGES, BootWatch, type BootStage } from './boot-watch.js';
import { convertHost } from './convert-host.js';
import { probeHostKey } from './host-key-probe.js';
import { IPXE_PREFIX } from './ipxe.js';
import { DEFAULT_TOKEN_TTL_MS, ipxeRoutes } from './ipxe-routes.js';
import { joinExistingHost } from './join-existing.js';
import { bareMetalJournalSettings, type BareMetalSettings } from './settings.js';
import { preflightSshHosts, type SshCredentials } from './ssh-preflight.js';
import { provisionOf, type Provision, type SshNode } from './ssh-nodes.js';
import { OneTimeTokens } from './tokens.js';
import { startTftpServer } from './tftp.js';

/** A bare-metal host as the provider sees it. */
export type BareMetalHost = DesiredNode<BareMetalNode>;

/** How the provider gets a host to boot from the network once. */
export interface HostPower {
  /** How, for the plan: "Redfish BMC 10.0.0.5", "by hand". */
  readonly via: string;
  /** What can be checked before anything starts (a BMC password variable that is set). */
  check?(): void;
  /** Makes the host boot from the network once and powers it on (or cycles it). */
  netboot(progress: Progress, signal?: AbortSignal): Promise<void>;
}

/** How long each stage of a network install may take (from the end of the previous one). */
export interface BootWaits {
  scriptMs: number;
  firstStageMs: number;
  secretBundleMs: number;
  /** From the bundle fetched to sshd answering with the node's pinned host key. */
  sshMs: number;
}

/** Firmware POST and DHCP; the live images' download; the install, a reboot and first boot. */
export const DEFAULT_BOOT_WAITS: BootWaits = { scriptMs: 15 * 60_000, firstStageMs: 30 * 60_000, secretBundleMs: 45 * 60_000, sshMs: 15 * 60_000 };

/** What the provider uses from outside; tests give their own. */
export interface BareMetalDeps {
  /** A host's power control (default: the manual step, printed). */
  power?: (host: BareMetalHost) => HostPower;
  waits?: Partial<BootWaits>;
  /** This machine's addresses (preflight). */
  addresses?: () => string[];
  /** How preflight asks whether a live image URL serves a file (default: HTTP HEAD, 10 s). */
  probe?: (url: string) => Promise<number>;
  /** Time between SSH host-key probes (default 5 s). */
  sshPollMs?: number;
  /**
   * The root of each SSH host's files (default `/`). Test hosts in network namespaces share
   * the machine's file system, so each gets its own directory.
   */
  hostRoot?: (node: string) => string;
  /** Preflight checks of existing hosts whose problems are accepted (test hosts share a PID 1 that is not systemd). */
  acceptedChecks?: ReadonlyArray<PreflightProblem['check']>;
  /** How nkd fetches the live kernel and initramfs it stages on a converted host (default: HTTP GET, 10 min). */
  download?: (url: string) => Promise<Buffer>;
  /** Bound of the conversion script on a host (default 180 s). */
  convertMs?: number;
}

/** HEAD of a URL: its status code; throws when nothing answers. */
async function headStatus(url: string): Promise<number> {
  const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(10_000) });
  return res.status;
}

/** The live image behind `url`, downloaded whole (bounded). */
async function downloadImage(url: string): Promise<Buffer> {
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(10 * 60_000) });
  if (!res.ok) throw new NkdError(`downloading ${url}: the server answered ${res.status}`, { hint: 'serve the NestOS live images at the URLs spec.baremetal names' });
  return Buffer.from(await res.arrayBuffer());
}

/** The journal kind of an installed host. */
const HOST = 'host';

/** A host's provision as the plan and the journal say it. */
const provisionOfHost = (n: BareMetalHost): Provision => provisionOf({ baremetal: n });

/** No BMC: print what the person at the host does, then watch the boot service. */
export function manualPower(host: BareMetalHost): HostPower {
  return {
    via: 'by hand (no BMC given)',
    netboot(progress) {
      progress.info(`power on ${host.name} (boot NIC ${host.mac ?? '?'}) and make it boot from the network once; nkd waits for it`);
      return Promise.resolve();
    },
  };
}


/** The bare-metal provider (see the file comment). */
export class BareMetalProvider implements Provider<BareMetalNode> {
  readonly name = 'baremetal';
  private readonly watch = new BootWatch();
  private readonly waits: BootWaits;
  /** The one-time first-stage tokens: the boot service redeems what the iPXE scripts and conversions issue. */
  private readonly tokens = new OneTimeTokens();
  private credentials?: SshCredentials;
  private images?: Promise<{ kernel: Buffer; initrd: Buffer }>;

  constructor(private readonly s: BareMetalSettings, private readonly deps: BareMetalDeps = {}) {
    this.waits = { ...DEFAULT_BOOT_WAITS, ...deps.waits };
  }

  journalSettings(): JsonObject {
    return bareMetalJournalSettings(this.s);
  }

  private power(host: BareMetalHost): HostPower {
    return (this.deps.power ?? manualPower)(host);
  }

  async preflight(scope: 'connect' | 'deploy' = 'deploy', journal?: Journal): Promise<void> {
    if (scope === 'connect') return;
    // only hosts that boot the live installer (pxe, convert) need the boot service and the images
    if (this.s.ipxe) await this.preflightBootService(this.s.ipxe);
    const recorded = (n: SshNode): boolean => journal?.get(HOST, n.node) !== undefined && (journal.get(HOST, n.node)!.state === 'created' || n.provision === 'convert');
    const nodes = (this.s.sshNodes ?? []).filter((n) => !recorded(n));
    if (nodes.length === 0) return;
    await preflightSshHosts(nodes, await this.login(), {
      kubernetesVersion: this.s.cluster?.kubernetesVersion ?? '',
      runtime: this.s.cluster?.runtime ?? 'containerd',
      installDevice: (node) => this.s.ipxe?.machines.find((m) => m.node === node)?.installDevice ?? '/dev/sda',
      ...(this.deps.hostRoot ? { root: this.deps.hostRoot } : {}),
      ...(this.deps.acceptedChecks ? { acceptedChecks: this.deps.acceptedChecks } : {}),
    });
  }

  /** The login for hosts reached over SSH: spec.baremetal.ssh, its key file read once. */
  private async login(): Promise<SshCredentials> {
    if (this.credentials) return this.credentials;
    const l = this.s.sshLogin;
    if (!l) throw usageError('spec.baremetal.ssh.privateKeyFile: required field is missing: nodes are reached over SSH (provision: existing or convert)', 'give the private key nkd logs in with');
    const unreadable = (e: NodeJS.ErrnoException) => {
      throw usageError(`spec.baremetal.ssh.privateKeyFile: cannot read ${l.privateKeyFile}: ${e.code ?? e.message}`, 'point it at the private key nkd logs in with (relative to the cluster file)');
    };
    // as OpenSSH does: a private key others may read is refused, not used
    const mode = (await stat(l.privateKeyFile).catch(unreadable)).mode & 0o777;
    if (mode & 0o077) throw usageError(`spec.baremetal.ssh.privateKeyFile: ${l.privateKeyFile} is open to other users (mode ${mode.toString(8)})`, `chmod 600 ${l.privateKeyFile}: it is a private key`);
    const privateKey = await readFile(l.privateKeyFile, 'utf8').catch(unreadable);
    this.credentials = { user: l.user, privateKey };
    return this.credentials;
  }

  private async preflightBootService(ipxe: NonNullable<BareMetalSettings['ipxe']>): Promise<void> {
    const mine = (this.deps.addresses ?? localAddresses)();
    if (!mine.includes(this.s.httpAddress)) {
      throw usageError(`spec.baremetal.httpAddress: ${this.s.httpAddress} is not an address of this machine (it has ${mine.join(', ') || 'none'}); nkd's boot service listens there`,
        'set it to this machine\'s address on the hosts\' network');
    }
    // The hosts download these; a missing one would show only as a host stuck in its firmware.
    const images: Array<[string, string]> = [['kernelURL', ipxe.kernelUrl], ['initrdURL', ipxe.initrdUrl], ['rootfsURL', ipxe.rootfsUrl]];
    const problems = await Promise.all(images.map(async ([field, url]) => {
      const status = await (this.deps.probe ?? headStatus)(url).catch((e: Error) => `${(e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.name}: nothing answers`);
      return typeof status === 'number' && status >= 200 && status < 300 ? undefined : `spec.baremetal.${field}: ${url}: ${typeof status === 'number' ? `answered ${status}` : status}`;
    }));
    const bad = problems.filter((x): x is string => !!x);
    if (bad.length) throw usageError(`the NestOS live images are not served where the cluster file says:\n  ${bad.join('\n  ')}`, 'serve the live kernel, initramfs and rootfs of the NestOS release at those URLs (reachable from the hosts and from this machine), or fix the URLs');
    if (this.s.tftp) {
      for (const f of ['undionly.kpxe', 'ipxe.efi']) {
        await access(join(this.s.tftp.root, f)).catch(() => {
          throw usageError(`spec.baremetal.boot: pxe serves ${f} over TFTP from ${this.s.tftp!.root}, which does not have it`, 'install Debian\'s ipxe package (apt-get install ipxe), or use boot: ipxe with a DHCP server that hands out the iPXE script URL');
        });
      }
    }
  }

  plan(desired: DesiredCluster<BareMetalNode>, journal: Journal): Promise<Plan<BareMetalNode>> {
    const items = desired.nodes.map((n) => {
      const e = journal.get(HOST, n.name);
      const done = e?.state === 'created';
      const prov = provisionOfHost(n);
      const ssh = this.sshNode(n.name);
      const at = ssh ? `${ssh.address}:${ssh.port}` : '?';
      const reason = done
        ? { pxe: 'installed by an earlier run', existing: 'joined by an earlier run', convert: 'converted by an earlier run' }[prov]
        : {
            pxe: `network install (MAC ${n.mac ?? '?'}), power ${this.power(n).via}`,
            existing: `join the existing ${n.os === 'nestos' ? 'NestOS' : 'general-purpose Linux'} host over SSH at ${at} (its own host key pinned); nothing installed, power untouched${e ? '; an earlier run was interrupted: converges' : ''}`,
            convert: `convert the Linux host at ${at} to NestOS: kexec into the live installer over SSH (wipes ${this.s.ipxe?.machines.find((m) => m.node === n.name)?.installDevice ?? 'its install device'}), then watched like a network install; power untouched`,
          }[prov];
      return { kind: HOST, name: n.name, node: n.name, action: done ? ('keep' as const) : ('create' as const), reason };
    });
    return Promise.resolve({ provider: this.name, clusterId: desired.clusterId, items, desired, warnings: [] });
  }

  private sshNode(node: string): SshNode | undefined {
    return this.s.sshNodes?.find((x) => x.node === node);
  }

  async serve(plan: Plan<BareMetalNode>, opts: RunOptions): Promise<BootService | undefined> {
    const creating = new Set(plan.items.filter((i) => i.action === 'create').map((i) => i.node));
    // An existing host is reached over SSH alone: nothing of it is ever served.
    const nodes = plan.desired.nodes.filter((n) => creating.has(n.name) && provisionOfHost(n) !== 'existing');
    const ipxe = this.s.ipxe;
    if (!ipxe && plan.desired.nodes.every((n) => provisionOfHost(n) === 'existing')) {
      return undefined;
    }
    if (!ipxe) throw new NkdError('bare metal: the boot service needs the cluster file (its iPXE chain)', { hint: 'run nkd deploy with -f <cluster.yaml>' });
    // Only the hosts this plan installs get the installer; a host installed earlier that boots
    // from the network (its firmware's order, a BMC left on PXE) is told to boot its disk.
    const installing = new Set(nodes.map((n) => n.name));
    const routes = ipxeRoutes({
      boot: ipxe,
      tokens: this.tokens,
      installed: new Set(ipxe.machines.filter((m) => !installing.has(m.node)).map((m) => m.node)),
      firstStages: nodes.map((n) => ({ node: n.name, file: n.ignitionPath })),
      progress: opts.progress,
      onEvent: (node, what, from) => this.watch.record(node, what, from),
    });
    const http = await startSecretBundleServer({
      host: this.s.httpAddress, port: this.s.httpPort, progress: opts.progress, routes,
      // To the node's fixed IP, or to the address its live installer redeemed its token from.
      bundles: nodes.map((n) => ({ node: n.name, file: n.secretBundle!.path, sha512: n.secretBundle!.sha512, clientIp: n.ip ?? (() => this.watch.installerIp(n.name)) })),
      onServed: (node) => this.watch.record(node, 'secret-bundle'),
    });
    let tftp;
    try {
      tftp = this.s.tftp ? await startTftpServer({ root: this.s.tftp.root, host: this.s.tftp.address, port: this.s.tftp.port, progress: opts.progress }) : undefined;
    } catch (e) {
      await http.stop();
      throw e;
    }
    if (tftp) opts.progress.info(`TFTP on ${tftp.address}:${tftp.port}: the iPXE binaries of ${this.s.tftp!.root}`);
    opts.progress.info(`iPXE chain: ${http.url}${IPXE_PREFIX}boot.ipxe (hand this URL to iPXE clients in your DHCP server)`);
    return {
      url: http.url,
      served: () => http.served(),
      stop: async () => {
        await Promise.all([http.stop(), tftp?.stop()]);
      },
    };
  }

  /** What to look at when `host` does not reach `stage`. */
  private hint(host: BareMetalHost, stage: BootStage): string {
    switch (stage) {
      case 'script':
        return `is ${host.name} powered on and booting from the network? Its DHCP answer must send iPXE to ${IPXE_PREFIX}boot.ipxe on http://${this.s.httpAddress}:${this.s.httpPort}, and spec.nodes[].mac (${host.mac ?? 'none'}) must be its boot NIC's MAC`;
      case 'first-stage':
        return `watch ${host.name}'s console: the live kernel, initramfs and rootfs come from spec.baremetal.kernelURL, initrdURL and rootfsURL; its one-time token lasts 30 minutes (a host that boots again fetches a new script)`;
      case 'secret-bundle':
        return `the install to ${host.installDevice ?? 'its install device'} may have failed (see ${host.name}'s console), or the host booted from the network again instead of its disk; its secret bundle is handed only to ${host.ip ?? this.watch.installerIp(host.name) ?? 'the address its installer came from'}`;
    }
  }

  async apply(plan: Plan<BareMetalNode>, journal: Journal, opts: RunOptions): Promise<Host[]> {
    const creating = new Set(plan.items.filter((i) => i.action === 'create').map((i) => i.node));
    const hosts = plan.desired.nodes.filter((n) => creating.has(n.name));
    for (const h of hosts) if (provisionOfHost(h) === 'pxe') this.power(h).check?.();
    // Every host at once: each spends most of its time in firmware, downloads or its own first boot.
    await mapLimit(hosts, Math.max(1, hosts.length), async (h) => {
      const ref = { kind: HOST, name: h.name };
      const prov = provisionOfHost(h);
      const prior = journal.get(HOST, h.name);
      if (prov === 'existing') {
        const n = this.mustSshNode(h.name);
        await journal.begin(ref, { provision: prov, address: n.address });
        await joinExistingHost(n, h, { login: await this.login(), clusterId: plan.clusterId, progress: opts.progress, ...this.rootOf(h.name) });
        await journal.done(ref, { provision: prov, address: n.address, ...(h.mac ? { mac: h.mac } : {}), joinedAt: new Date().toISOString() });
        return;
      }
      if (prov === 'convert') {
        if (prior?.attrs.kexecAt) {
          throw new NkdError(`node ${h.name}: an earlier run kexecked it into the NestOS live installer (${prior.attrs.kexecAt}) and was interrupted; its one-time first-stage URL ended with that run`, {
            hint: `if ${h.name} answers SSH with the host key nkd made for it, its install finished: run nkd deploy again after setting provision: existing, os: nestos and sshHostKey to auth/known_hosts' line for it; otherwise make it boot from the network (provision: pxe) or reinstall Linux on it and run again`,
          });
        }
        const n = this.mustSshNode(h.name);
        const m = this.s.ipxe?.machines.find((x) => x.node === h.name);
        if (!m || !this.s.ipxe) throw new NkdError(`internal: no live-installer arguments for node ${h.name}`);
        await journal.begin(ref, { provision: prov, address: n.address, mac: m.mac });
        this.images ??= Promise.all([(this.deps.download ?? downloadImage)(this.s.ipxe.kernelUrl), (this.deps.download ?? downloadImage)(this.s.ipxe.initrdUrl)]).then(([kernel, initrd]) => ({ kernel, initrd }));
        const token = this.tokens.issue(h.name, m.mac, DEFAULT_TOKEN_TTL_MS);
        await convertHost(n, m, {
          login: await this.login(), clusterId: plan.clusterId, progress: opts.progress, boot: this.s.ipxe, images: await this.images, token,
          ...this.rootOf(h.name), ...(this.deps.convertMs ? { timeoutMs: this.deps.convertMs } : {}),
        });
        await journal.begin(ref, { provision: prov, address: n.address, mac: m.mac, kexecAt: new Date().toISOString() });
        opts.progress.ok(`${h.name} kexecked into the NestOS live installer`);
      } else {
        await journal.begin(ref, { mac: h.mac ?? '' });
        await this.power(h).netboot(opts.progress, opts.signal);
      }
      await this.watchInstall(h, prov, opts.signal, opts.progress);
      await journal.done(ref, { ...(prov === 'convert' ? { provision: prov } : {}), mac: h.mac ?? '', installedAt: new Date().toISOString() });
    }, opts.signal);
    return plan.desired.nodes.map((n) => ({
      name: n.name, role: n.role, ...(n.ip ? { ip: n.ip } : {}), ...(n.mac ? { mac: n.mac } : {}),
      diagnostics: provisionOfHost(n) === 'existing'
        ? `journalctl -u nkd-kubeadm.service -u nkd-pivot.service on ${this.sshNode(n.name)?.address ?? n.name} (over SSH)`
        : `${n.name}'s console (its BMC or screen); the boot service's lines name ${n.mac ?? 'its MAC'}`,
    }));
  }

  /** The watched stages of a network install (a converted host has no iPXE script), then SSH with nkd's key. */
  private async watchInstall(h: BareMetalHost, prov: Provision, signal: AbortSignal | undefined, progress: Progress): Promise<void> {
    const limits: Record<BootStage, number> = { 'script': this.waits.scriptMs, 'first-stage': this.waits.firstStageMs, 'secret-bundle': this.waits.secretBundleMs };
    for (const { stage, reached } of BOOT_STAGES) {
      if (stage === 'script' && prov === 'convert') continue;
      await this.watch.until(h.name, stage, limits[stage], this.hint(h, stage), signal);
      progress.ok(`${h.name} ${reached}`);
    }
    if (h.sshHostKey) {
      await this.untilPinnedSsh(h, signal);
      progress.ok(`${h.name} answers SSH with the host key nkd made for it`);
    }
  }

  private mustSshNode(node: string): SshNode {
    const n = this.sshNode(node);
    if (!n) throw new NkdError(`bare metal: node ${node} is reached over SSH but the provider has no SSH settings for it`, { hint: 'run nkd deploy with -f <cluster.yaml>' });
    return n;
  }

  /** The host's root when a test gives one. */
  private rootOf(node: string): { root?: string } {
    return this.deps.hostRoot ? { root: this.deps.hostRoot(node) } : {};
  }

  /**
   * Waits until the installed host answers SSH with the host key nkd made for it (from the
   * handshake alone: no login). Another key is refused at once: the host that answers there is
   * not the one that took this node's secret bundle.
   */
  private async untilPinnedSsh(h: BareMetalHost, signal?: AbortSignal): Promise<void> {
    const addr = h.ip ?? this.watch.installerIp(h.name);
    const pinned = h.sshHostKey!;
    const fp = sshFingerprint(publicKeyBlob(pinned));
    const end = Date.now() + this.waits.sshMs;
    let last = '';
    for (;;) {
      checkAbort(signal);
      const r = addr ? await probeHostKey(addr, 22, pinned) : { kind: 'no-answer' as const, why: 'no address known for it' };
      if (r.kind === 'pinned') return;
      if (r.kind === 'other-key') {
        throw new NkdError(`node ${h.name}: ${addr} answers SSH with host key ${r.fingerprint}, not the key nkd made for ${h.name} (${fp}); refusing to go on`, {
          code: ExitCode.Failure,
          hint: `another machine holds ${addr}, or ${h.name} did not boot its installed system; check spec.nodes[].ip and the host's console (auth/known_hosts lists the keys nkd made)`,
        });
      }
      last = r.why;
      if (Date.now() > end) {
        throw new NkdError(`node ${h.name} took its secret bundle but has not answered SSH with its host key (${fp}) within ${Math.round(this.waits.sshMs / 1000)} s (last: ${last})`, {
          code: ExitCode.Failure,
          hint: `see ${h.name}'s console: Ignition's files stage or the first boot may have failed${addr ? `; SSH must be reachable on ${addr}:22 from this machine` : ''}`,
        });
      }
      await new Promise((r2) => setTimeout(r2, this.deps.sshPollMs ?? 5000));
    }
  }

  async destroy(journal: Journal, opts: RunOptions): Promise<DestroyReport> {
    const deleted = [];
    for (const e of journal.entries().filter((x) => x.kind === HOST)) {
      const what = e.attrs.provision === 'existing'
        ? `nkd wiped nothing: it keeps its own OS and what nkd placed (the node's files in /etc/kubernetes, /etc/nkd and its units); to reset it: kubeadm reset -f, then remove nkd's files and units`
        : `nkd wiped nothing, its disk still holds NestOS${e.attrs.provision === 'convert' ? ' (it was converted from Linux)' : ''}; reinstall or wipe it before you use it elsewhere`;
      const at = [e.attrs.mac, e.attrs.address].filter(Boolean).join(', ');
      opts.progress.info(`released host ${e.name}${at ? ` (${at})` : ''}: ${what}`);
      await journal.forget({ kind: e.kind, name: e.name });
      deleted.push({ kind: e.kind, name: e.name });
    }
    return { deleted, kept: [], remaining: [] };
  }

  status(journal: Journal): Promise<ResourceStatus[]> {
    return Promise.resolve(journal.entries().filter((e) => e.kind === HOST).map((e) => {
      const done = e.attrs.provision === 'existing' ? `joined${e.attrs.joinedAt ? ` ${e.attrs.joinedAt}` : ''}` : `installed${e.attrs.installedAt ? ` ${e.attrs.installedAt}` : ''}`;
      const doing = e.attrs.provision === 'existing' ? 'joining (interrupted)' : e.attrs.provision === 'convert' ? 'converting (interrupted)' : 'installing (interrupted)';
      return { kind: e.kind, name: e.name, inJournal: true, state: e.state === 'created' ? done : doing };
    }));
  }

  async close(): Promise<void> {}
}
