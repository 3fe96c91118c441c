import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Journal } from '../../pkg/infra/journal.js';
import { LibvirtProvider } from '../../pkg/infra/libvirt/provider.js';
import { libvirtJournalSettings } from '../../pkg/infra/libvirt/platform.js';
import type { LibvirtSettings } from '../../pkg/infra/libvirt/settings.js';
import type { Virsh } from '../../pkg/infra/libvirt/virsh.js';

const run = promisify(execFile);

/** A real libvirtd for a test: started here with its own pid files, stopped by PID. */
export interface LibvirtdHandle {
  uri: string;
  /** True when this harness started the daemons (and so stops them). */
  started: boolean;
  stop(): Promise<void>;
}

const RUN_DIR = '/run/nkd-test-libvirt';

async function answers(uri: string): Promise<boolean> {
  try {
    await run('virsh', ['-c', uri, 'uri'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function pidOf(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function stopPid(pid: number | undefined, timeoutMs = 10_000): Promise<void> {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const t0 = Date.now();
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() - t0 > timeoutMs) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes the LIBVIRT_* iptables chains (and the jumps into them) that libvirtd leaves behind. */
export function cleanLibvirtIptables(): void {
  for (const table of ['filter', 'nat', 'mangle']) {
    let rules: string;
    try {
      rules = execFileSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const line of rules.split('\n')) {
      const m = /^-A (\S+) (.*-j (LIBVIRT_\S+).*)$/.exec(line);
      if (m && !m[1]!.startsWith('LIBVIRT_')) {
        try {
          execFileSync('iptables', ['-t', table, '-D', m[1]!, ...m[2]!.split(' ')]);
        } catch {
          /* already gone */
        }
      }
    }
    for (const line of rules.split('\n')) {
      const m = /^-N (LIBVIRT_\S+)$/.exec(line);
      if (!m) continue;
      try {
        execFileSync('iptables', ['-t', table, '-F', m[1]!]);
        execFileSync('iptables', ['-t', table, '-X', m[1]!]);
      } catch {
        /* in use or gone */
      }
    }
  }
}

/** True when virsh and libvirtd are installed (hack/env/30-libvirt.sh). */
export function libvirtInstalled(): boolean {
  return existsSync('/usr/sbin/libvirtd') && existsSync('/usr/bin/virsh');
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = `${RUN_DIR}.lock`;
  const t0 = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - t0 > 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts virtlogd and libvirtd (QEMU driver) unless a libvirtd already answers on
 * qemu:///system. Test files that run at the same time share the daemons this harness started
 * (each registers itself under RUN_DIR/users); the last one to stop stops them by PID. A
 * libvirtd this harness did not start is never stopped.
 */
export async function startLibvirtd(): Promise<LibvirtdHandle> {
  const uri = 'qemu:///system';
  const logPid = join(RUN_DIR, 'virtlogd.pid');
  const daemonPid = join(RUN_DIR, 'libvirtd.pid');
  const me = join(RUN_DIR, 'users', `${process.pid}-${Math.random().toString(16).slice(2)}`);
  const ours = await withLock(async () => {
    if (await answers(uri)) {
      if (!existsSync(daemonPid)) return false;
      mkdirSync(join(RUN_DIR, 'users'), { recursive: true });
      writeFileSync(me, '');
      return true;
    }
    mkdirSync(join(RUN_DIR, 'users'), { recursive: true });
    mkdirSync('/var/log/libvirt', { recursive: true });
    await run('virtlogd', ['--daemon', `--pid-file=${logPid}`]);
    await run('libvirtd', ['--daemon', `--pid-file=${daemonPid}`]);
    const t0 = Date.now();
    while (!(await answers(uri))) {
      if (Date.now() - t0 > 30_000) {
        await stopPid(pidOf(daemonPid));
        await stopPid(pidOf(logPid));
        throw new Error('libvirtd did not answer on qemu:///system within 30 s');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    writeFileSync(me, '');
    return true;
  });
  if (!ours) return { uri, started: false, stop: async () => {} };
  return {
    uri,
    started: true,
    stop: async () => {
      await withLock(async () => {
        rmSync(me, { force: true });
        const others = readdirSync(join(RUN_DIR, 'users')).filter((f) => alive(Number(f.split('-')[0])));
        if (others.length > 0) return;
        await stopPid(pidOf(daemonPid));
        await stopPid(pidOf(logPid));
        rmSync(RUN_DIR, { recursive: true, force: true });
        cleanLibvirtIptables();
      });
    },
  };
}

/** Removes libvirt's per-domain QEMU logs (and console logs) of a test cluster. */
export function removeQemuLogs(clusterId: string): void {
  const dir = '/var/log/libvirt/qemu';
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.startsWith(`${clusterId}-`)) rmSync(join(dir, f), { force: true });
}

/**
 * Teardown of an e2e scenario: destroys the cluster's resources through the provider (journal
 * plus tag sweep), then closes virsh, stops the daemons, and removes logs and the scratch folder —
 * also when a test failed half-way.
 */
export async function tearDownScenario(s: { clusterId: string; dir: string; settings: LibvirtSettings; virsh?: Virsh; daemon?: LibvirtdHandle }): Promise<void> {
  try {
    const journal = await Journal.open(join(s.dir, '.nkd', 'journal.json'), { clusterId: s.clusterId, provider: 'libvirt', providerConfig: libvirtJournalSettings(s.settings) });
    await new LibvirtProvider(s.settings, { virsh: s.virsh }).destroy(journal, { progress: { info() {}, ok() {}, warn() {}, debug() {} } });
  } finally {
    await s.virsh?.close();
    await s.daemon?.stop();
    removeQemuLogs(s.clusterId);
    await rm(s.dir, { recursive: true, force: true });
  }
}
