/**
 * The per-host lock of an nkd run: `flock -n` on a file on the host, held by a command whose
 * channel stays open for the length of the run. It is released when nkd releases it, when the
 * connection closes (nkd exited or was killed: the host sees end-of-file on the command's stdin),
 * and, if the connection dies silently, once no heartbeat has come for the lease time (the
 * holder writes a byte every heartbeat; the host waits for each with `timeout`). A second run
 * is refused with who holds the lock and since when.
 */
import { hostname } from 'node:os';
import { posix } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { ExitCode, NkdError } from '../../ui/errors.js';
import { shellQuote as q } from '../../host/quote.js';
import { formatMs, SshTimeoutError } from './errors.js';
import type { SshSession } from './session.js';

/** Where the lock lives and how long it lasts without a heartbeat. */
export interface HostLockOptions {
  /** The lock file on the host; default `/run/nkd/host.lock` (tmpfs: gone after a reboot). */
  path?: string;
  /** What this run does, recorded for whoever finds the lock taken (`deploy of cluster demo`). */
  purpose?: string;
  /** The host releases the lock this long after the last heartbeat; default 30 s. */
  leaseMs?: number;
  /** How often the holder sends a heartbeat; default 5 s. */
  heartbeatMs?: number;
  /** Bound of taking the lock (starting the command, its answer); default 15 s. */
  timeoutMs?: number;
  /** The clock, for the holder line. */
  now?: () => Date;
}

/** A held lock. */
export interface HostLock {
  /** What the host records about this holder. */
  readonly holder: string;
  /** Resolves with a reason if the lock is lost before release() (connection or lease gone). */
  readonly lost: Promise<string>;
  /** Releases the lock and waits until the host has let go (bounded). */
  release(): Promise<void>;
}

/** Another run holds the lock. */
export class HostLockedError extends NkdError {
  constructor(
    readonly host: string,
    readonly holder: string,
    leaseMs: number,
  ) {
    super(`another nkd run holds the lock on ${host} (${holder || 'no holder recorded'})`, {
      code: ExitCode.Failure,
      hint: `wait for that run to finish; if it is gone, the host releases the lock by itself within ${formatMs(leaseMs)} of its last heartbeat`,
    });
    this.name = 'HostLockedError';
  }
}

/** The lock file on a host (tmpfs: gone after a reboot). */
export const HOST_LOCK = '/run/nkd/host.lock';

const ACQUIRED = 'nkd-lock-acquired';
const BUSY = 'nkd-lock-busy';
const BUSY_CODE = 75;

/** The shell command that takes the lock and holds it while heartbeats arrive on stdin. */
export function lockCommand(path: string, holder: string, leaseMs: number): string {
  const lease = (leaseMs / 1000).toFixed(3);
  const hold = [
    'printf "%s, lock pid %s\\n" "$1" "$$" > "$2.holder"',
    `echo ${ACQUIRED}`,
    // one heartbeat byte at a time; end of file or a missed lease ends the loop and the lock
    `while [ "$(timeout ${lease} head -c 1)" = . ]; do :; done`,
  ].join('; ');
  return [
    `l=${q(path)}`,
    `mkdir -p -- ${q(posix.dirname(path))} || exit 1`,
    `flock -n -E ${BUSY_CODE} "$l" sh -c ${q(hold)} nkd-lock ${q(holder)} "$l" && exit 0`,
    'rc=$?',
    `if [ $rc = ${BUSY_CODE} ]; then echo ${BUSY}; cat -- "$l.holder" 2>/dev/null; fi`,
    'exit $rc',
  ].join('\n');
}

/** Takes the host lock or throws {@link HostLockedError}. */
export async function acquireHostLock(session: SshSession, opts: HostLockOptions = {}): Promise<HostLock> {
  const path = opts.path ?? HOST_LOCK;
  const leaseMs = opts.leaseMs ?? 30_000;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  if (!(leaseMs > 0 && heartbeatMs > 0)) throw new NkdError('host lock: leaseMs and heartbeatMs must be positive');
  const holder = `since ${(opts.now ?? (() => new Date()))().toISOString()}, nkd pid ${process.pid} on ${hostname()}${opts.purpose ? `, ${opts.purpose}` : ''}`;
  const ch = await session.channel(lockCommand(path, holder, leaseMs), `taking the lock ${path}`, timeoutMs);
  let out = '';
  let err = '';
  let closed = false;
  const closedP = new Promise<void>((resolve) => ch.once('close', () => ((closed = true), resolve())));
  ch.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ch.close();
      reject(new SshTimeoutError(session.label, `waiting for the host lock ${path}`, timeoutMs));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString('utf8');
      if (out.startsWith(ACQUIRED + '\n')) {
        clearTimeout(timer);
        ch.removeListener('data', onData);
        resolve();
      }
    };
    ch.on('data', onData);
    void closedP.then(() => {
      clearTimeout(timer);
      if (out.startsWith(BUSY + '\n')) reject(new HostLockedError(session.label, out.slice(BUSY.length + 1).trim(), leaseMs));
      else reject(new NkdError(`${session.label}: could not take the lock ${path}: ${(err || out).trim() || 'the command ended without an answer'}`, { hint: 'nkd needs flock (util-linux), timeout and head (coreutils) on the host' }));
    });
  });
  return holdLock(session, ch, closedP, () => closed, holder, heartbeatMs, timeoutMs);
}

function holdLock(session: SshSession, ch: ClientChannel, closedP: Promise<void>, isClosed: () => boolean, holder: string, heartbeatMs: number, timeoutMs: number): HostLock {
  let releasing = false;
  const beat = setInterval(() => {
    if (!isClosed()) ch.write('.');
  }, heartbeatMs);
  beat.unref();
  const lost = closedP.then(() => {
    clearInterval(beat);
    return releasing ? '' : `the lock on ${session.label} was lost (the connection closed or the heartbeats stopped)`;
  });
  return {
    holder,
    lost: lost.then((why) => (why ? why : new Promise<string>(() => undefined))),
    async release() {
      releasing = true;
      clearInterval(beat);
      if (isClosed()) return;
      ch.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closedP, new Promise<void>((resolve) => (timer = setTimeout(() => (ch.close(), resolve()), timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
