/**
 * Test fixture: real SSH hosts on one machine. A bridge in the root network namespace and one
 * network namespace per host (a veth pair into the bridge, a fixed MAC), each running its own
 * OpenSSH `sshd -D -e` with its own config, ed25519 host key, PidFile and AuthorizedKeysFile
 * (one client key for all), `Subsystem sftp internal-sftp`, root login by key only, and a PATH
 * that starts with the host's own `bin/` (tests put stand-in executables there). The hosts
 * share the machine's file system, so each has its own `root/` directory for what it writes.
 * Fixtures running at once take different slots: slot k has bridge `nkdssh<k>` and the
 * addresses 10.231.70.(16k+1 … 16k+15). Torn down by PID: every process in each namespace,
 * then `ip netns del` and `ip link del`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWhenAvailable, takeSlot } from '../../helpers/fixture-slots.js';
import type { SshTarget } from '../../../pkg/infra/ssh/session.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const SLOTS_DIR = join(tmpdir(), 'nkdssh-slots');
const SLOT_COUNT = 15;

/** One host: its namespace, address, MAC, key and directories. */
export interface SshHost {
  name: string;
  netns: string;
  ip: string;
  mac: string;
  /** The host's pinned public key line (`ssh-ed25519 AAAA… name`). */
  hostKey: string;
  /** This host's scratch directory; `root` is its root for what tests write, `bin` leads its PATH. */
  dir: string;
  root: string;
  bin: string;
  /** PID of its listening sshd. */
  pid: number;
  /** An SshTarget for this host as root, with the fixture's client key. */
  target(over?: Partial<SshTarget>): SshTarget;
}

/** The running hosts. */
export interface SshHosts {
  hosts: SshHost[];
  /** An address in the hosts' subnet where nothing answers. */
  unusedIp: string;
  /** Stops every host and removes the network and the scratch directory. */
  stop(): Promise<void>;
}

/** Why real SSH hosts cannot run here, or undefined when they can. */
export function sshHostsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!existsSync(SSHD)) return `${SSHD} is missing (run hack/env/36-ssh-hosts.sh)`;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` does not work here (install iproute2)';
  }
  return undefined;
}

/** describe() for suites that need SSH hosts (skipped with the reason outside CI when they cannot run). */
export function describeWithSshHosts(name: string, fn: () => void): void {
  describeWhenAvailable(sshHostsUnavailable(), name, fn);
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** Removes whatever a slot's earlier owner left: processes in its namespaces, the namespaces, the bridge. */
async function cleanSlot(k: number): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  for (const ns of stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`nkdssh-${k}-`))) await removeNetns(ns);
  await ip('link', 'del', `nkdssh${k}`).catch(() => undefined);
}

async function removeNetns(ns: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
  for (const pid of stdout.split('\n').filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ip('netns', 'del', ns).catch(() => undefined);
}

/** Waits until something at ip:22 sends an SSH banner (bounded). */
async function waitForBanner(addr: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: addr, port: 22, timeout: 1000 });
      s.once('data', (b) => (s.destroy(), resolve(b.toString('latin1').startsWith('SSH-2.0'))));
      s.once('error', () => resolve(false));
      s.once('timeout', () => (s.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${addr}:22 did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `count` SSH hosts (at most 13) named h0, h1, …; call stop() in afterAll. */
export async function startSshHosts(count: number): Promise<SshHosts> {
  const why = sshHostsUnavailable();
  if (why) throw new Error(`cannot start SSH hosts: ${why}`);
  if (count < 1 || count > 13) throw new Error('startSshHosts: 1 to 13 hosts');
  const { k, release } = await takeSlot(SLOTS_DIR, SLOT_COUNT, 'SSH-host', (k2) => cleanSlot(k2));
  const base = 16 * k;
  const bridge = `nkdssh${k}`;
  const scratch = await mkdtemp(join(tmpdir(), 'nkd-ssh-hosts-'));
  const procs: ChildProcess[] = [];
  const namespaces: string[] = [];
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    for (const ns of namespaces) await removeNetns(ns);
    await ip('link', 'del', bridge).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
    await release();
  };
  try {
    const clientKey = join(scratch, 'client_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nkd-test-client', '-f', clientKey]);
    const privateKey = await readFile(clientKey, 'utf8');
    const authorized = await readFile(clientKey + '.pub', 'utf8');
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `10.231.70.${base + 1}/28`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    const hosts: SshHost[] = [];
    for (let i = 0; i < count; i++) {
      const name = `h${i}`;
      const last = base + 2 + i;
      const addr = `10.231.70.${last}`;
      const mac = `02:00:0a:e7:46:${last.toString(16).padStart(2, '0')}`;
      const ns = `nkdssh-${k}-${i}`;
      const veth = `nkdssh${k}v${i}`;
      const dir = join(scratch, name);
      const root = join(dir, 'root');
      const bin = join(dir, 'bin');
      await mkdir(root, { recursive: true });
      await mkdir(bin, { recursive: true });
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, 'ssh_host_ed25519_key')]);
      await writeFile(join(dir, 'authorized_keys'), authorized, { mode: 0o600 });
      const config = [
        `ListenAddress ${addr}:22`,
        `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // the scratch directory lies under /tmp (mode 1777), which StrictModes refuses
        'StrictModes no',
        'MaxSessions 30',
        'Subsystem sftp internal-sftp',
        `SetEnv PATH=${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        'LogLevel ERROR',
      ];
      await writeFile(join(dir, 'sshd_config'), config.join('\n') + '\n');
      await ip('netns', 'add', ns);
      namespaces.push(ns);
      await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`);
      await ip('link', 'set', `${veth}p`, 'netns', ns);
      await ip('link', 'set', veth, 'master', bridge, 'up');
      await ip('-n', ns, 'link', 'set', `${veth}p`, 'name', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'address', mac);
      await ip('-n', ns, 'addr', 'add', `${addr}/28`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      const p = spawn('ip', ['netns', 'exec', ns, SSHD, '-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-2000)));
      procs.push(p);
      await waitForBanner(addr, 10_000).catch((e: Error) => {
        throw new Error(`${e.message}; sshd said: ${stderr.trim() || '(nothing)'}`);
      });
      const hostKey = (await readFile(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8')).trim();
      hosts.push({
        name, netns: ns, ip: addr, mac, hostKey, dir, root, bin, pid: p.pid!,
        target: (over = {}) => ({ name, host: addr, username: 'root', privateKey, hostKey, ...over }),
      });
    }
    return { hosts, unusedIp: `10.231.70.${base + 15}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
