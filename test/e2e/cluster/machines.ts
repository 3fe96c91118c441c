/**
 * Nodes of the real-cluster test as system containers (docs/adr/0503... see docs/testing.md,
 * "A real cluster"): each node is a copy of the node root (a Debian root that STANDS IN for a
 * NestOS image, built by hack/cluster/node-root.sh) to which the real `ignition` binary applied
 * the node's rendered config, exactly as NestOS's initramfs would before the first boot; then
 * `systemd-nspawn -b` boots it with its own systemd, in its own network namespace whose veth
 * (with the node's MAC) hangs on the test's bridge, and in its own cgroup of every v1 controller
 * (a cgroup namespace makes that the node's root, so kubelets of different nodes never meet).
 * A reboot inside the node (the pivot, an upgrade) restarts the container; nspawn does that.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runIgnitionStages } from '../../integration/ignition/tools.js';
import { alive, sh, shTry, spawnDetached, waitFor } from './host.js';

/** Where the machines live and the network they share. */
export interface MachinesConfig {
  /** Scratch directory: one folder per machine (root, console log, Ignition state). */
  workDir: string;
  /** The node root every machine starts as a copy of. */
  nodeRoot: string;
  /** The bridge the machines' veths join (created by {@link NspawnMachines.ensureBridge}). */
  bridge: string;
  /** The bridge's address with prefix, the nodes' gateway: e.g. 10.231.40.1/24. */
  gatewayCidr: string;
  /** Name of the cgroup (under this process's own, in every v1 controller) holding the machines. */
  cgroupGroup: string;
}

/** One machine to create. */
export interface MachineSpec {
  name: string;
  mac: string;
  /**
   * The node's rendered Ignition config (the whole config: delivered through a private channel).
   * Without one the machine is the node root as it is: a running Linux that nkd joins over SSH.
   */
  ignition?: string;
}

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** The machines of one test run. */
export class NspawnMachines {
  constructor(readonly c: MachinesConfig) {}

  /** The machine's folder. */
  dir(name: string): string {
    return join(this.c.workDir, name);
  }

  /** The machine's root directory. */
  root(name: string): string {
    return join(this.dir(name), 'root');
  }

  /** The machine's console (nspawn's output: systemd's boot messages). */
  consoleLog(name: string): string {
    return join(this.dir(name), 'console.log');
  }

  /** The machine's network namespace (also the node's own network: nspawn joins it). */
  netns(name: string): string {
    return `nkdc-${short(`${this.c.bridge}/${name}`)}`;
  }

  private veth(name: string): string {
    return `nkv${short(`${this.c.bridge}/${name}`)}`;
  }

  /** Creates the bridge with the gateway address unless it exists. */
  async ensureBridge(): Promise<void> {
    if (!existsSync(`/sys/class/net/${this.c.bridge}`)) {
      await sh(['ip', 'link', 'add', this.c.bridge, 'type', 'bridge']);
      await sh(['ip', 'addr', 'add', this.c.gatewayCidr, 'dev', this.c.bridge]);
    }
    await sh(['ip', 'link', 'set', this.c.bridge, 'up']);
  }

  /** Deletes the bridge (its veths go with their namespaces). */
  async removeBridge(): Promise<void> {
    if (existsSync(`/sys/class/net/${this.c.bridge}`)) await sh(['ip', 'link', 'del', this.c.bridge]);
  }

  /** True when the bridge exists. */
  bridgeExists(): boolean {
    return existsSync(`/sys/class/net/${this.c.bridge}`);
  }

  /** True when the machine's root was prepared (copied and Ignition applied). */
  prepared(name: string): boolean {
    return existsSync(join(this.dir(name), 'prepared'));
  }

  /**
   * Copies the node root, applies the node's Ignition config (when given) with the real ignition
   * binary, turns the units Ignition enabled into enable links (`systemctl --root preset`, as
   * first boot does), and creates the network namespace with the veth carrying the node's MAC.
   */
  async create(m: MachineSpec): Promise<void> {
    const dir = this.dir(m.name);
    if (!this.prepared(m.name)) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(join(dir, 'ignition-state'), { recursive: true });
      await sh(['cp', '-a', '--reflink=auto', `${this.c.nodeRoot}/.`, `${this.root(m.name)}/`], { timeoutMs: 600_000 });
    }
    if (!this.prepared(m.name) && m.ignition !== undefined) {
      const config = join(dir, 'config.ign');
      await writeFile(config, m.ignition, { mode: 0o600 });
      const applied = await runIgnitionStages(this.root(m.name), config, join(dir, 'ignition-state'), join(dir, 'bin'));
      await writeFile(join(dir, 'ignition.log'), applied.log);
      if (applied.code !== 0) {
        const why = applied.log.split('\n').filter((l) => /CRITICAL|ERROR|error:/i.test(l) && l.length < 2000).slice(-10).join('\n');
        throw new Error(`ignition failed on ${m.name} (exit ${applied.code}); log: ${join(dir, 'ignition.log')}\n${why}`);
      }
      const enabled = (JSON.parse(m.ignition) as { systemd?: { units?: Array<{ name: string; enabled?: boolean }> } }).systemd?.units?.filter((u) => u.enabled).map((u) => u.name) ?? [];
      if (enabled.length) await sh(['systemctl', `--root=${this.root(m.name)}`, 'preset', ...enabled]);
    }
    if (!this.prepared(m.name)) await writeFile(join(dir, 'prepared'), '');
    const ns = this.netns(m.name);
    if (!existsSync(`/run/netns/${ns}`)) await sh(['ip', 'netns', 'add', ns]);
    // the node's end is the truth: a host end left by a namespace the kernel is still tearing
    // down (netns deletion is asynchronous) is replaced, not trusted
    if ((await shTry(['ip', '-n', ns, 'link', 'show', 'eth0'])).code !== 0) {
      await shTry(['ip', 'link', 'del', this.veth(m.name)]);
      await sh(['ip', 'link', 'add', this.veth(m.name), 'type', 'veth', 'peer', 'name', 'eth0', 'address', m.mac, 'netns', ns]);
      await sh(['ip', 'link', 'set', this.veth(m.name), 'master', this.c.bridge, 'up']);
    }
  }

  /** The PID of nspawn for this machine, when it runs. */
  async nspawnPid(name: string): Promise<number | undefined> {
    const pid = Number((await readFile(join(this.dir(name), 'nspawn.pid'), 'utf8').catch(() => '')).trim());
    return pid > 0 && alive(pid) ? pid : undefined;
  }

  /** The PID (in this namespace) of the machine's systemd, PID 1 inside it. */
  async initPid(name: string): Promise<number | undefined> {
    const top = await this.nspawnPid(name);
    // the wrapper's descendants: wrapper → systemd-nspawn → the machine's PID 1
    let level = top ? [top] : [];
    for (let depth = 0; depth < 4 && level.length; depth++) {
      const next: number[] = [];
      for (const pid of level) {
        for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
          const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
          for (const c of children) {
            if (/^NSpid:\s+\d+\s+1$/m.test(await readFile(`/proc/${c}/status`, 'utf8').catch(() => ''))) return c;
            next.push(c);
          }
        }
      }
      level = next;
    }
    return undefined;
  }

  /**
   * Boots the machine: in its own cgroup of every v1 controller, then systemd-nspawn with the
   * settings docs/testing.md names (no seccomp filter: runc needs the keyring calls; writable
   * /proc/sys and /sys; /dev/kmsg for the kubelet; every capability the host has).
   */
  async start(name: string): Promise<void> {
    if (await this.nspawnPid(name)) return;
    const log = await open(this.consoleLog(name), 'a');
    const script = [
      'set -euo pipefail',
      // this shell's own cgroup in each v1 hierarchy, then a child cgroup for the machine
      'while IFS=: read -r _ ctl path; do',
      '  [ -n "$ctl" ] || continue',
      '  d=/sys/fs/cgroup/${ctl#name=}',
      '  [ -d "$d" ] || continue',
      `  target="$d$path/${this.c.cgroupGroup}/${name}"`,
      `  mkdir -p "$target"`,
      '  if [ -f "$d/cpuset.cpus" ]; then', // a new cpuset cgroup has no CPUs until given its parent's
      '    p="$d$path"',
      `    for sub in ${this.c.cgroupGroup} ${name}; do`,
      '      p="$p/$sub"',
      '      [ -n "$(cat "$p/cpuset.cpus")" ] || cat "${p%/*}/cpuset.cpus" > "$p/cpuset.cpus"',
      '      [ -n "$(cat "$p/cpuset.mems")" ] || cat "${p%/*}/cpuset.mems" > "$p/cpuset.mems"',
      '    done',
      '  fi',
      '  echo $$ > "$target/cgroup.procs"',
      'done < /proc/self/cgroup',
      // nspawn runs inside the node's network namespace rather than joining it
      // (--network-namespace-path): so the /sys it mounts shows the node's interfaces, not the
      // host's. `ip netns exec` mounts that /sys in a mount namespace of its own, where the cgroup
      // hierarchies are mounted again for nspawn to find.
      'hierarchies=$(findmnt -rn -t cgroup,cgroup2 -o FSTYPE,OPTIONS,TARGET)',
      `exec ip netns exec ${this.netns(name)} bash -c '`,
      '  set -euo pipefail',
      '  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup',
      '  while read -r type opts target; do',
      '    mkdir -p "$target"',
      '    if [ "$type" = cgroup2 ]; then mount -t cgroup2 cgroup2 "$target"; continue; fi',
      '    o=$(tr , "\\n" <<<"$opts" | grep -E "^(name=|cpu|cpuacct|cpuset|memory|devices|freezer|blkio|pids|net_cls|net_prio|perf_event|hugetlb|rdma|misc)" | paste -sd, -)',
      '    mount -t cgroup -o "$o" cgroup "$target"',
      '  done <<<"$1"',
      // exit status 133: the machine rebooted (systemd-nspawn@.service restarts on it, so do we)
      '  while :; do',
      `    rc=0; systemd-nspawn --register=no --keep-unit --capability=all --bind=/dev/kmsg --console=pipe --machine=${name} -D ${this.root(name)} -b || rc=$?`,
      '    [ "$rc" = 133 ] || exit "$rc"',
      '    echo "nkd-e2e: machine rebooted"',
      '  done',
      `' nspawn "$hierarchies"`,
    ].join('\n');
    const env = { ...process.env, SYSTEMD_SECCOMP: '0', SYSTEMD_NSPAWN_API_VFS_WRITABLE: '1', SYSTEMD_NSPAWN_USE_CGNS: '1' };
    const pid = spawnDetached(['bash', '-c', script], log.fd, env);
    await log.close();
    await writeFile(join(this.dir(name), 'nspawn.pid'), `${pid}\n`);
    await waitFor(`${name} to start systemd (console: ${this.consoleLog(name)})`, async () => {
      if (!alive(pid)) throw new Error(`nspawn exited: ${(await readFile(this.consoleLog(name), 'utf8')).slice(-1500)}`);
      return this.initPid(name);
    }, 60_000, 200);
  }

  /** Runs a command inside the machine (all its namespaces); resolves with stdout. */
  async exec(name: string, argv: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    const pid = await this.initPid(name);
    if (!pid) throw new Error(`machine ${name} is not running`);
    return sh(['nsenter', '-t', String(pid), '-a', '--', ...argv], opts);
  }

  /** Like {@link exec}, but resolves with the exit code and output. */
  async execTry(name: string, argv: string[], opts: { timeoutMs?: number } = {}): Promise<{ code: number; out: string }> {
    const pid = await this.initPid(name);
    if (!pid) return { code: 255, out: `machine ${name} is not running` };
    return shTry(['nsenter', '-t', String(pid), '-a', '--', ...argv], opts);
  }

  /** Powers the machine off at once (every process of it dies with its PID 1). */
  async kill(name: string): Promise<void> {
    const nspawn = await this.nspawnPid(name);
    if (!nspawn) return;
    const init = await this.initPid(name);
    if (init) process.kill(init, 'SIGKILL');
    await waitFor(`nspawn of ${name} to exit`, () => (alive(nspawn) ? undefined : true), 30_000, 200).catch(() => process.kill(nspawn, 'SIGKILL'));
  }

  /** Kills the machine and removes its namespace, cgroups and folder. */
  async remove(name: string): Promise<void> {
    await this.kill(name);
    const ns = this.netns(name);
    if (existsSync(`/run/netns/${ns}`)) await sh(['ip', 'netns', 'del', ns]);
    // the kernel destroys the namespace (and the veth pair with it) asynchronously
    await shTry(['ip', 'link', 'del', this.veth(name)]);
    await waitFor(`the veth of ${name} to go`, () => (existsSync(`/sys/class/net/${this.veth(name)}`) ? undefined : true), 30_000, 200);
    await this.removeCgroups(name);
    // mounts a crashed machine may have left visible here (none expected: nspawn's are private)
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(this.dir(name) + '/'));
    for (const m of mounts.sort().reverse()) await shTry(['umount', '-l', m]);
    await rm(this.dir(name), { recursive: true, force: true });
  }

  private async removeCgroups(name: string): Promise<void> {
    const own = (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n').map((l) => l.split(':')).filter((p) => p[1]);
    const tops = own.map(([, ctl, path]) => `/sys/fs/cgroup/${ctl!.replace(/^name=/, '')}${path === '/' ? '' : path}/${this.c.cgroupGroup}/${name}`);
    // A container runc was setting up when the machine died sits frozen ("runc init" in D state)
    // and outlives its PID namespace: thaw every frozen cgroup of the machine, then kill what is left.
    for (const top of tops) await forEachCgroup(top, async (d) => {
      if ((await readFile(join(d, 'freezer.state'), 'utf8').catch(() => 'THAWED')).trim() !== 'THAWED') await writeFile(join(d, 'freezer.state'), 'THAWED').catch(() => undefined);
    });
    for (const top of tops) await forEachCgroup(top, async (d) => {
      for (const pid of (await readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    });
    for (const top of tops) await removeTree(top);
  }

  /** Removes the machines' common cgroup once every machine is gone. */
  async removeGroup(): Promise<void> {
    const own = (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n').map((l) => l.split(':')).filter((p) => p[1]);
    for (const [, ctl, path] of own) await rmdir(`/sys/fs/cgroup/${ctl!.replace(/^name=/, '')}${path === '/' ? '' : path}/${this.c.cgroupGroup}`).catch(() => undefined);
  }
}

/** Calls `f` on every cgroup of a tree, parents first. */
async function forEachCgroup(dir: string, f: (dir: string) => Promise<void>): Promise<void> {
  if (!existsSync(dir)) return;
  await f(dir);
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await forEachCgroup(join(dir, e.name), f);
}

/** rmdir of a cgroup tree, deepest first; retries while its last processes exit. */
async function removeTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await removeTree(join(dir, e.name));
  await waitFor(`cgroup ${dir} to empty`, async () => {
    await rmdir(dir);
    return true;
  }, 20_000, 200);
}
