/**
 * `provision: existing` through the bare-metal provider against real SSH hosts: real OpenSSH
 * sshd in network namespaces (test/integration/ssh/ssh-hosts.ts), each with its own host key,
 * MAC and root directory, a real bare-metal render, the provider's preflight, plan and apply.
 * STAND-INS on each host's PATH (its bin/): `systemctl` (the hosts share this machine's PID 1,
 * which is not systemd: it records each call and hands offline `--root` calls to the real
 * systemctl), `kubelet`, `kubeadm`, `crictl` and `containerd` (they print a version only), and,
 * in the interrupted-apply case, `sync` (it stalls so the test can cut the connection with
 * every temp file written and none renamed). The systemd check is accepted for the same reason
 * (acceptedChecks); every other check runs as it would on a real host.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import type { BareMetalNode, ClusterConfig } from '../../../pkg/config/types.gen.js';
import { existingHostPlan, wholeConfig } from '../../../pkg/host/existing-host.js';
import { decodeDataUrl } from '../../../pkg/ignition/data-url.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { BareMetalProvider } from '../../../pkg/infra/baremetal/provider.js';
import { bareMetalSettings } from '../../../pkg/infra/baremetal/settings.js';
import { Journal } from '../../../pkg/infra/journal.js';
import { acquireHostLock } from '../../../pkg/infra/ssh/lock.js';
import { openSession } from '../../../pkg/infra/ssh/session.js';
import type { DesiredCluster, Progress } from '../../../pkg/infra/types.js';
import { desiredCluster } from '../../../pkg/lifecycle/desired.js';
import type { NkdError } from '../../../pkg/ui/errors.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { describeWithSshHosts, startSshHosts, type SshHost, type SshHosts } from '../ssh/ssh-hosts.js';

jest.setTimeout(180_000);
const run = promisify(execFile);

let net: SshHosts;
let scratch: string;
let keyFile: string;
const sockets: Server[] = [];
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };

/** A stand-in executable in the host's bin/. */
async function standIn(h: SshHost, name: string, body: string): Promise<void> {
  await writeFile(join(h.bin, name), `#!/bin/sh\n# STAND-IN for ${name} (test host)\n${body}\n`);
  await chmod(join(h.bin, name), 0o755);
}

/** What a host nkd may join has: a runtime with its socket, kubelet/kubeadm/crictl of the cluster's minor, an os-release. */
async function prepareHost(h: SshHost, os: 'linux' | 'nestos'): Promise<void> {
  await standIn(h, 'kubelet', 'echo "Kubernetes v1.34.1"');
  await standIn(h, 'kubeadm', 'echo "v1.34.1"');
  await standIn(h, 'crictl', 'echo "crictl version v1.34.0"');
  await standIn(h, 'containerd', 'echo "containerd github.com/containerd/containerd 1.6.20"');
  await standIn(h, 'systemctl', `printf '%s\\n' "$*" >> ${h.dir}/systemctl-calls\ncase "$1" in --root=*) exec /usr/bin/systemctl "$@";; esac\nexit 0`);
  await mkdir(join(h.root, 'etc'), { recursive: true });
  await mkdir(join(h.root, 'run/containerd'), { recursive: true });
  await writeFile(join(h.root, 'etc/os-release'), os === 'nestos' ? 'ID=nestos\nVERSION_ID="22.03"\nPRETTY_NAME="NestOS 22.03"\n' : 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  if (os === 'nestos') {
    await mkdir(join(h.root, 'run'), { recursive: true });
    await writeFile(join(h.root, 'run/ostree-booted'), '');
  }
  const sock = createServer();
  await new Promise<void>((ok) => sock.listen(join(h.root, 'run/containerd/containerd.sock'), ok));
  sockets.push(sock);
}

/** A bare-metal cluster whose nodes are the given hosts, joined as they are. */
async function clusterOf(nodes: Array<{ host: SshHost; os: 'linux' | 'nestos'; mac?: string; hostKey?: string }>): Promise<ClusterConfig> {
  return validClusterConfig((d) => {
    delete d.spec.libvirt;
    d.spec.platform = 'baremetal';
    d.spec.network = { cidr: '10.231.70.0/24' };
    d.spec.baremetal = { httpAddress: net.unusedIp, ssh: { privateKeyFile: keyFile } };
    d.spec.nodes = nodes.map((n, i) => ({
      name: i === 0 ? 'master-1' : `worker-${i}`, role: i === 0 ? 'control-plane' : 'worker', ip: n.host.ip, mac: n.mac ?? n.host.mac,
      baremetal: { provision: 'existing', os: n.os, sshHostKey: n.hostKey ?? n.host.hostKey },
    }));
  });
}

/** Renders the cluster in its own directory and opens the provider on it, each host's root its own directory. */
async function setUp(name: string, nodes: Parameters<typeof clusterOf>[0]) {
  const config = await clusterOf(nodes);
  const dir = join(scratch, name);
  const rendered: RenderResult = await renderCluster(config, { dir }, goldenRenderDeps());
  const desired = desiredCluster(config, rendered) as DesiredCluster<BareMetalNode>;
  const roots = new Map(config.spec.nodes.map((n, i) => [n.name, nodes[i]!.host.root]));
  const provider = new BareMetalProvider(bareMetalSettings(config), { hostRoot: (node) => roots.get(node)!, acceptedChecks: ['systemd'] });
  const journal = await Journal.open(join(dir, 'journal.json'), { clusterId: 'demo', provider: 'baremetal' });
  return { config, rendered, desired, provider, journal };
}

/** The config an existing host must end up with: the rendered first stage and bundle, as existing-host.ts cuts them. */
async function expectedFiles(rendered: RenderResult, node: string, os: 'linux' | 'nestos') {
  const r = rendered.nodes.find((n) => n.name === node)!;
  const read = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as IgnitionConfig;
  return existingHostPlan(wholeConfig(await read(r.ignitionPath), await read(r.secretBundle!.path)), os);
}

/** Every file of `plan` is on the host under `root` with its contents and mode. */
async function expectFilesOnHost(root: string, plan: Awaited<ReturnType<typeof expectedFiles>>): Promise<void> {
  const files = plan.config.storage!.files!;
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const raw = Buffer.from(decodeDataUrl(f.contents!.source!));
    const want = f.contents!.compression === 'gzip' ? gunzipSync(raw) : raw;
    expect([f.path, await readFile(join(root, f.path))]).toEqual([f.path, want]);
    expect([f.path, ((await stat(join(root, f.path))).mode & 0o7777).toString(8)]).toEqual([f.path, (f.mode ?? 0o644).toString(8)]);
  }
}

const calls = async (h: SshHost): Promise<string[]> => (await readFile(join(h.dir, 'systemctl-calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

/** Every file under `dir`, relative. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describeWithSshHosts('existing hosts joined by the bare-metal provider over SSH', () => {
  beforeAll(async () => {
    net = await startSshHosts(5);
    scratch = join(net.hosts[0]!.dir, '..', 'nkd');
    await mkdir(scratch, { recursive: true });
    keyFile = join(scratch, 'client_key');
    await writeFile(keyFile, net.hosts[0]!.target().privateKey, { mode: 0o600 });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await net?.stop();
  });

  it('preflight lists every problem of every host at once — a swapped host key with both fingerprints, another MAC, what is missing — and writes nothing', async () => {
    const [h0, h1, h2] = net.hosts as [SshHost, SshHost, SshHost];
    const { provider, journal } = await setUp('preflight', [{ host: h0, os: 'linux', mac: h2.mac }, { host: h1, os: 'linux', hostKey: h2.hostKey }]);
    const fp = async (h: SshHost) => (await run('ssh-keygen', ['-lf', join(h.dir, 'ssh_host_ed25519_key.pub')])).stdout.split(' ')[1];
    const e = (await provider.preflight('deploy', journal).then(() => undefined, (x: unknown) => x)) as NkdError;
    expect(e.message).toBe('bare metal: 2 of 2 hosts reached over SSH are not ready (5 problems); nothing was changed on any host');
    expect(e.hint).toBe('fix every problem listed and run nkd deploy again');
    const m1 = `node master-1 (${h0.ip}:22)`;
    expect(e.details).toEqual([
      `${m1}: no container runtime: /run/containerd/containerd.sock does not exist and containerd is not on PATH; fix: install containerd (apt-get install containerd, dnf install containerd) and start it (systemctl enable --now containerd)`,
      `${m1}: kubelet is not on PATH; fix: install kubelet 1.34.x (package kubelet from pkgs.k8s.io/core:/stable:/v1.34)`,
      `${m1}: kubeadm is not on PATH; fix: install kubeadm 1.34.x (package kubeadm from pkgs.k8s.io/core:/stable:/v1.34)`,
      `${m1}: no interface has the node's MAC ${h2.mac} (found: ${h0.mac}, 00:00:00:00:00:00); fix: check the MAC in the cluster file, or that this address reaches the right machine`,
      `node worker-1 (${h1.ip}:22): host key mismatch: expected ${await fp(h2)} (ssh-ed25519), the host presented ${await fp(h1)}; refusing to connect (nothing was sent); fix: if worker-1 was reinstalled, put its new key in spec.nodes[1].baremetal.sshHostKey; otherwise find out which machine answers on ${h1.ip}:22`,
    ]);
    expect(await tree(h0.root)).toEqual([]);
    expect(await tree(h1.root)).toEqual([]);
  });

  it('a login key that other users may read is refused before any host is contacted', async () => {
    const { provider, journal } = await setUp('loose-key', [{ host: net.hosts[0]!, os: 'linux' }]);
    await chmod(keyFile, 0o644);
    try {
      const e = (await provider.preflight('deploy', journal).then(() => undefined, (x: unknown) => x)) as NkdError;
      expect([e.message, e.hint]).toEqual([`spec.baremetal.ssh.privateKeyFile: ${keyFile} is open to other users (mode 644)`, `chmod 600 ${keyFile}: it is a private key`]);
    } finally {
      await chmod(keyFile, 0o600);
    }
  });

  it('an existing Linux host and an existing NestOS host get the node\'s files with their modes and the right unit started; a re-run keeps them', async () => {
    const [h0, h1] = net.hosts as [SshHost, SshHost];
    await prepareHost(h0, 'linux');
    await prepareHost(h1, 'nestos');
    const { provider, journal, desired, rendered } = await setUp('join', [{ host: h0, os: 'linux' }, { host: h1, os: 'nestos' }]);
    await provider.preflight('deploy', journal);
    const plan = await provider.plan(desired, journal);
    expect(plan.items.map((i) => [i.name, i.action, i.reason])).toEqual([
      ['master-1', 'create', `join the existing general-purpose Linux host over SSH at ${h0.ip}:22 (its own host key pinned); nothing installed, power untouched`],
      ['worker-1', 'create', `join the existing NestOS host over SSH at ${h1.ip}:22 (its own host key pinned); nothing installed, power untouched`],
    ]);
    // nothing of an existing host is ever served: no boot service runs
    expect(await provider.serve(plan, { progress })).toBeUndefined();
    const t0 = performance.now();
    await provider.apply(plan, journal, { progress });
    lines.push(`joined 2 hosts in ${Math.round(performance.now() - t0)} ms`);

    await expectFilesOnHost(h0.root, await expectedFiles(rendered, 'master-1', 'linux'));
    await expectFilesOnHost(h1.root, await expectedFiles(rendered, 'worker-1', 'nestos'));
    // the hosts keep their own host keys: nkd's made key for the node is not placed
    await expect(stat(join(h0.root, 'etc/ssh/ssh_host_ed25519_key'))).rejects.toThrow(/ENOENT/);
    expect((await calls(h0)).filter((c) => c.startsWith('start'))).toEqual(['start --no-block -- nkd-kubeadm.service']); // no pre-hooks in this cluster file
    expect((await calls(h1)).filter((c) => c.startsWith('start'))).toEqual(['start --no-block -- nkd-pivot.service']);
    expect(await readFile(join(h0.root, 'var/lib/nkd/pivot.done'), 'utf8')).toBe('a general-purpose Linux host: no rpm-ostree pivot (nkd, existing host)\n');
    expect(journal.entries().map((e) => [e.name, e.state, e.attrs.provision, e.attrs.address])).toEqual([
      ['master-1', 'created', 'existing', h0.ip],
      ['worker-1', 'created', 'existing', h1.ip],
    ]);

    const again = await provider.plan(desired, journal);
    expect(again.items.map((i) => [i.name, i.action, i.reason])).toEqual([['master-1', 'keep', 'joined by an earlier run'], ['worker-1', 'keep', 'joined by an earlier run']]);
    const before = await calls(h0);
    await provider.apply(again, journal, { progress });
    expect(await calls(h0)).toEqual(before);

    const released: string[] = [];
    const report = await provider.destroy(journal, { progress: { ...progress, info: (m) => released.push(m) } });
    expect(report.deleted).toEqual([{ kind: 'host', name: 'master-1' }, { kind: 'host', name: 'worker-1' }]);
    expect(released[0]).toBe(`released host master-1 (${h0.mac}, ${h0.ip}): nkd wiped nothing: it keeps its own OS and what nkd placed (the node's files in /etc/kubernetes, /etc/nkd and its units); to reset it: kubeadm reset -f, then remove nkd's files and units`);
  });

  it('an apply cut off mid-upload (every temp written, none renamed) leaves the host as it was, and a re-run converges', async () => {
    const h = net.hosts[2]!;
    await prepareHost(h, 'linux');
    const marker = join(h.dir, 'sync-reached');
    await standIn(h, 'sync', `touch ${marker}\nsleep 60`);
    const { provider, journal, desired, rendered } = await setUp('interrupted', [{ host: h, os: 'linux' }]);
    const plan = await provider.plan(desired, journal);
    const applying = provider.apply(plan, journal, { progress }).then(() => undefined, (x: unknown) => x as Error);
    for (let i = 0; i < 600 && !(await stat(marker).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
    // cut: every process of the host's sessions dies at once (sshd's listener stays)
    const { stdout } = await run('ip', ['netns', 'pids', h.netns]);
    for (const pid of stdout.split('\n').filter(Boolean).map(Number)) {
      if (pid === h.pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // it ended on its own meanwhile
      }
    }
    const err = await applying;
    expect(err?.message).toMatch(new RegExp(`^node master-1 \\(${h.ip.replace(/\./g, '\\.')}:22\\): writing \\d+ files \\(\\d+ bytes\\)`));
    const files = await tree(h.root);
    expect(files.some((f) => /\.nkd-[0-9a-f]{12}$/.test(f))).toBe(true);
    expect(files).not.toContain('etc/nkd/kubeadm.yaml');
    expect(journal.get('host', 'master-1')?.state).toBe('creating');

    await rm(join(h.bin, 'sync'));
    const resumed = await provider.plan(desired, journal);
    expect(resumed.items.map((i) => [i.action, i.reason])).toEqual([['create', `join the existing general-purpose Linux host over SSH at ${h.ip}:22 (its own host key pinned); nothing installed, power untouched; an earlier run was interrupted: converges`]]);
    await provider.apply(resumed, journal, { progress });
    await expectFilesOnHost(h.root, await expectedFiles(rendered, 'master-1', 'linux'));
    expect((await tree(h.root)).filter((f) => f.includes('.nkd-'))).toEqual([]);
    expect(journal.get('host', 'master-1')?.state).toBe('created');
  });

  it('a concurrent run holding the host\'s lock makes the apply stop before it writes anything', async () => {
    const h = net.hosts[3]!;
    await prepareHost(h, 'linux');
    const { provider, journal, desired } = await setUp('locked', [{ host: h, os: 'linux' }]);
    const other = await openSession(h.target());
    const lock = await acquireHostLock(other, { purpose: 'the other deploy', path: join(h.root, 'run/nkd/host.lock') });
    try {
      const plan = await provider.plan(desired, journal);
      const err = (await provider.apply(plan, journal, { progress }).then(() => undefined, (x: unknown) => x)) as NkdError;
      expect(err.message).toBe(`another nkd run holds the lock on node master-1 (${h.ip}:22) (${lock.holder}, lock pid ${/lock pid (\d+)/.exec(err.message)?.[1]})`);
      expect(await tree(h.root)).toEqual(['etc', 'etc/os-release', 'run', 'run/containerd', 'run/containerd/containerd.sock', 'run/nkd', 'run/nkd/host.lock', 'run/nkd/host.lock.holder']);
    } finally {
      await lock.release();
      await other.close();
    }
  });
});
