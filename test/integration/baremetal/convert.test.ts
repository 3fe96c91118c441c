/**
 * `provision: convert` (the x2NestOS path) through the bare-metal provider, whole: a real sshd
 * host in a network namespace (test/integration/ssh/ssh-hosts.ts) with the node's MAC, nkd's
 * real boot service on the fixture's bridge, a real HTTP server with the live images, a real
 * render. The provider preflights the host, stages the images and the conversion script over
 * SSH and runs the whole script with the real sh; `kexec` is a RECORDING STAND-IN on the host's
 * PATH (it writes its arguments and boots nothing) and /dev/vda a device node under the host's
 * root (no disk behind it is opened). The test then plays what the kernel would start: the live
 * installer fetching the first-stage URL from the recorded command line (real HTTP from the
 * host's namespace), the installed system's Ignition fetching the secret bundle, and the
 * installed system's sshd answering with the host key nkd made (the fixture's sshd, its key
 * swapped and re-read).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { renderCluster } from '../../../pkg/assets/render.js';
import { sshHostKeyPath } from '../../../pkg/assets/ssh-assets.js';
import type { BareMetalNode } from '../../../pkg/config/types.gen.js';
import { X2NESTOS_STAGE_DIR } from '../../../pkg/host/x2nestos.js';
import { BareMetalProvider } from '../../../pkg/infra/baremetal/provider.js';
import { bareMetalSettings } from '../../../pkg/infra/baremetal/settings.js';
import { secretBundleUrl } from '../../../pkg/infra/boot-path.js';
import { Journal } from '../../../pkg/infra/journal.js';
import type { DesiredCluster, Progress } from '../../../pkg/infra/types.js';
import { desiredCluster } from '../../../pkg/lifecycle/desired.js';
import type { NkdError } from '../../../pkg/ui/errors.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { freePort } from '../../harness/ports.js';
import { describeWithSshHosts, startSshHosts, type SshHost, type SshHosts } from '../ssh/ssh-hosts.js';

jest.setTimeout(180_000);
const run = promisify(execFile);

let net: SshHosts;
let images: Server;
let bridge: string;
let imageBase: string;
let keyFile: string;
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };
const KERNEL = Buffer.from('stand-in live kernel\n');
const INITRD = Buffer.from('stand-in live initramfs\n');

/** GET from inside a host's namespace: status code and body. */
async function get(h: SshHost, url: string): Promise<{ code: number; body: string }> {
  const { stdout } = await run('ip', ['netns', 'exec', h.netns, 'curl', '-sS', '--max-time', '10', '-w', '\n%{http_code}', url]);
  const at = stdout.lastIndexOf('\n');
  return { code: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

/** A general-purpose Linux host nkd may convert: a recording stand-in kexec, the install device, an os-release. */
async function convertible(h: SshHost): Promise<void> {
  await writeFile(join(h.bin, 'kexec'), `#!/bin/sh\n# STAND-IN for kexec: records its arguments, boots nothing\nprintf '%s\\n' "$*" >> ${h.dir}/kexec-calls\nexit 0\n`);
  await chmod(join(h.bin, 'kexec'), 0o755);
  await mkdir(join(h.root, 'dev'), { recursive: true });
  await run('mknod', [join(h.root, 'dev/vda'), 'b', '7', '201']);
  await mkdir(join(h.root, 'etc'), { recursive: true });
  await writeFile(join(h.root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
}

/** A one-node cluster converting `h`, known by `mac`; the provider on it with the host's root. */
async function setUp(name: string, h: SshHost, mac = h.mac) {
  const port = await freePort();
  const config = await validClusterConfig((d) => {
    delete d.spec.libvirt;
    d.spec.platform = 'baremetal';
    d.spec.network = { cidr: '10.231.70.0/24', gateway: bridge, dnsServers: [bridge] };
    d.spec.baremetal = {
      httpAddress: bridge, httpPort: port, installDevice: '/dev/vda', ssh: { privateKeyFile: keyFile },
      kernelURL: `${imageBase}/live/kernel`, initrdURL: `${imageBase}/live/initramfs.img`, rootfsURL: `${imageBase}/live/rootfs.img`,
    };
    d.spec.nodes = [{ name: 'master-1', role: 'control-plane', ip: h.ip, mac, baremetal: { provision: 'convert', sshHostKey: h.hostKey } }];
  });
  const dir = join(h.dir, '..', `nkd-${name}`);
  const rendered = await renderCluster(config, { dir }, goldenRenderDeps());
  const desired = desiredCluster(config, rendered) as DesiredCluster<BareMetalNode>;
  const provider = new BareMetalProvider(bareMetalSettings(config), { hostRoot: () => h.root, sshPollMs: 200, waits: { firstStageMs: 60_000, secretBundleMs: 60_000, sshMs: 60_000 } });
  const journal = await Journal.open(join(dir, 'journal.json'), { clusterId: 'demo', provider: 'baremetal' });
  return { config, rendered, desired, provider, journal, port, dir };
}

/** Waits (bounded) until the stand-in kexec recorded `count` calls. */
async function kexecCalls(h: SshHost, count: number): Promise<string[]> {
  for (let i = 0; i < 1200; i++) {
    const calls = (await readFile(join(h.dir, 'kexec-calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    if (calls.length >= count) return calls;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the stand-in kexec on ${h.name} was not called ${count} times within 60 s`);
}

describeWithSshHosts('converting a running Linux host to NestOS (x2NestOS) through the bare-metal provider', () => {
  beforeAll(async () => {
    net = await startSshHosts(2);
    const h0 = net.hosts[0]!;
    bridge = h0.ip.replace(/\.(\d+)$/, (_, last: string) => `.${Number(last) - 1}`);
    keyFile = join(h0.dir, '..', 'client_key');
    await writeFile(keyFile, h0.target().privateKey, { mode: 0o600 });
    const served = new Map([['/live/kernel', KERNEL], ['/live/initramfs.img', INITRD], ['/live/rootfs.img', Buffer.from('rootfs')]]);
    images = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((ok) => images.listen(0, bridge, ok));
    imageBase = `http://${bridge}:${(images.address() as AddressInfo).port}`;
    for (const h of net.hosts) await convertible(h);
  });
  afterAll(async () => {
    await new Promise((ok) => images?.close(ok));
    await net?.stop();
  });

  it('kexecs the named host into the live installer with its install device, static ip= and a one-time first-stage URL for its MAC, then watches it come back with the host key nkd made', async () => {
    const h = net.hosts[0]!;
    const { provider, journal, desired, rendered, port, dir } = await setUp('convert', h);
    await provider.preflight('deploy', journal);
    const plan = await provider.plan(desired, journal);
    expect(plan.items.map((i) => [i.name, i.action, i.reason])).toEqual([
      ['master-1', 'create', `convert the Linux host at ${h.ip}:22 to NestOS: kexec into the live installer over SSH (wipes /dev/vda), then watched like a network install; power untouched`],
    ]);
    const boot = (await provider.serve(plan, { progress }))!;
    try {
      const t0 = performance.now();
      const applying = provider.apply(plan, journal, { progress }).then(() => undefined, (e: unknown) => e as Error);
      const calls = await kexecCalls(h, 2);
      lines.push(`conversion staged and kexecked in ${Math.round(performance.now() - t0)} ms`);
      const stage = `${h.root}${X2NESTOS_STAGE_DIR}`;
      const cmdline = calls[0]!.slice(`-l ${stage}/vmlinuz --initrd=${stage}/initrd.img --command-line=`.length).split(' ');
      expect(calls[0]!.startsWith(`-l ${stage}/vmlinuz --initrd=${stage}/initrd.img --command-line=`)).toBe(true);
      expect(calls[1]).toBe('-e');
      const url = cmdline.at(-1)!.slice('nestos.inst.ignition_url='.length);
      expect(cmdline).toEqual([
        `nestos.live.rootfs_url=${imageBase}/live/rootfs.img`,
        'nestos.inst.install_dev=/dev/vda',
        `ip=${h.ip}::${bridge}:255.255.255.0:master-1::none`,
        `nameserver=${bridge}`,
        'rd.neednet=1',
        `nestos.inst.ignition_url=${url}`,
      ]);
      expect(url).toMatch(new RegExp(`^http://${bridge.replace(/\./g, '\\.')}:${port}/nkd/v1/ignition/[A-Za-z0-9_-]{43}\\?mac=${h.mac}$`));
      // what nkd staged: the images it downloaded (0600) and the script (0700, it carries the URL)
      expect(await readFile(`${stage}/vmlinuz`)).toEqual(KERNEL);
      expect(await readFile(`${stage}/initrd.img`)).toEqual(INITRD);
      expect(((await stat(`${stage}/vmlinuz`)).mode & 0o777).toString(8)).toBe('600');
      expect(((await stat(`${stage}/convert.sh`)).mode & 0o777).toString(8)).toBe('700');

      // the live installer: its first stage, once, through the URL the kernel got
      const first = await get(h, url);
      expect(first.code).toBe(200);
      expect(first.body).toBe(await readFile(rendered.nodes[0]!.ignitionPath, 'utf8'));
      expect((await get(h, url)).code).toBe(403);
      // the installed system's Ignition takes the secret bundle, from the node's address
      expect((await get(h, secretBundleUrl(bridge, port, 'master-1'))).code).toBe(200);
      // ...and its sshd answers with the host key nkd made for master-1
      await copyFile(join(dir, sshHostKeyPath('master-1')), join(h.dir, 'ssh_host_ed25519_key'));
      process.kill(h.pid, 'SIGHUP');

      expect(await applying).toBeUndefined();
      lines.push(`conversion watched to the pinned key in ${Math.round(performance.now() - t0)} ms`);
      expect(lines.filter((l) => l.startsWith('master-1 '))).toEqual([
        'master-1 kexecked into the NestOS live installer',
        'master-1 fetched its first-stage Ignition (the live installer runs)',
        'master-1 fetched its secret bundle (the installed system boots)',
        'master-1 answers SSH with the host key nkd made for it',
      ]);
      expect(journal.entries().map((e) => [e.name, e.state, e.attrs.provision, e.attrs.mac])).toEqual([['master-1', 'created', 'convert', h.mac]]);
      expect((await provider.plan(desired, journal)).items.map((i) => [i.action, i.reason])).toEqual([['keep', 'converted by an earlier run']]);
    } finally {
      await boot.stop();
    }
  });

  it('the script refuses a host that is not the named node (another MAC) before kexec is called, and says nothing was wiped', async () => {
    const h = net.hosts[1]!;
    const { provider, journal, desired } = await setUp('other-mac', h, '52:54:00:aa:bb:cc');
    // preflight would refuse it first; apply is run straight away to show the script's own check
    const plan = await provider.plan(desired, journal);
    const boot = (await provider.serve(plan, { progress }))!;
    try {
      const err = (await provider.apply(plan, journal, { progress }).then(() => undefined, (e: unknown) => e)) as NkdError;
      expect(err.message).toBe(`node master-1: the conversion refused: the host is not the named node (no interface has its MAC) (nkd-x2nestos[master-1]: refused: no interface of this host has MAC 52:54:00:aa:bb:cc, so it is not master-1 (its MACs: ${h.mac} 00:00:00:00:00:00 )); nothing was wiped`);
      expect(err.hint).toBe(`check spec.nodes[].mac and that ${h.ip} is master-1`);
      expect(await readFile(join(h.dir, 'kexec-calls'), 'utf8').catch(() => 'not called')).toBe('not called');
    } finally {
      await boot.stop();
    }
  });
});
