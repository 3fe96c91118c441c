import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';

/** A daemon the harness started: its PID, its log file and how to stop it. */
export interface Daemon {
  name: string;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<string>;
}

const running = new Set<Daemon>();
const cleanups = new Set<() => void>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const d of running) {
    try {
      process.kill(d.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
  for (const c of cleanups) {
    try {
      c();
    } catch {
      // best effort while exiting
    }
  }
  cleanups.clear();
}

/**
 * Registers a synchronous cleanup (e.g. removing a temp dir) run after the daemons are killed
 * when the process exits or is signalled without a proper stop; returns its deregistration.
 */
export function onAbnormalExit(cleanup: () => void): () => void {
  installExitHandlers();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * Starts a daemon with stdout and stderr appended to `logPath`. With util-linux `setpriv
 * --pdeathsig KILL` the kernel kills it if this process dies, and exit/signal handlers kill
 * it on a normal exit, so no daemon outlives the test process.
 */
export function startDaemon(name: string, binary: string, args: string[], logPath: string, cwd?: string): Daemon {
  installExitHandlers();
  const fd = openSync(logPath, 'a');
  const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', fd, fd], cwd });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (e) => resolve(`spawn error ${e.message}`));
  });
  const daemon: Daemon = { name, pid: child.pid, logPath, child, exited };
  running.add(daemon);
  void exited.then(() => running.delete(daemon));
  return daemon;
}

/** Stops a daemon by PID: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopDaemon(daemon: Daemon, graceMs = 5000): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  try {
    process.kill(daemon.pid, 'SIGTERM');
  } catch {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      try {
        process.kill(daemon.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      resolve();
    }, graceMs);
  });
  await Promise.race([daemon.exited, killed]);
  clearTimeout(timer);
  await daemon.exited;
}

/** The last `lines` lines of a daemon's log, for error messages. */
export function logTail(daemon: Daemon, lines = 20): string {
  try {
    return readFileSync(daemon.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
