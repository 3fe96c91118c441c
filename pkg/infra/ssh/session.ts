/**
 * An SSH session to one host with a pinned host key: the key the host presents is compared
 * blob for blob with the pinned one before anything is sent (never trust on first use), every
 * wait is bounded and named, and a command's stdin carries what must not appear on a command
 * line (secrets, file contents). The private key is handed to ssh2 and never logged.
 */
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { NkdError } from '../../ui/errors.js';
import { shellQuote } from '../../host/quote.js';
import { HostKeyMismatchError, RemoteCommandError, SshTimeoutError } from './errors.js';
import { fingerprint, hostKeyAlgorithms, parseHostKey } from './host-key.js';

/** Where and how to reach a host. */
export interface SshTarget {
  /** Node name, for messages (e.g. `master-1`). */
  name?: string;
  /** Address or host name. */
  host: string;
  /** Port; default 22. */
  port?: number;
  /** Login user (nkd needs root or a user whose commands run as root). */
  username: string;
  /** The client's private key, OpenSSH or PEM text. */
  privateKey: string;
  /** The pinned host public key, one OpenSSH line: `ssh-ed25519 AAAA… [comment]`. */
  hostKey: string;
  /** Where the pinned key came from, for messages (default `hostKey`). */
  hostKeyField?: string;
  /** What to tell the user when the host presents another key. */
  mismatchHint?: string;
}

/** Bounds of a session. */
export interface SessionOptions {
  /** TCP connect, handshake and authentication together; default 15 s. */
  connectTimeoutMs?: number;
  /** SSH keepalive interval (a dead connection is noticed after 3 unanswered); default 10 s, 0 off. */
  keepaliveMs?: number;
  /** How long {@link SshSession.close} waits for the connection to end; default 5 s. */
  closeTimeoutMs?: number;
}

/** Options of one command. */
export interface ExecOptions {
  /** The bound: the command is signalled and its channel closed when it runs out. */
  timeoutMs: number;
  /** Bytes for the command's stdin (closed after them); without it stdin is closed at once. */
  stdin?: Buffer | string;
  /** What the command does, for messages (`checking /etc/kubernetes/admin.conf`); default the command's start. */
  what?: string;
}

/** How a command ended. */
export interface ExecResult {
  /** Exit code, or null when it was killed by a signal. */
  code: number | null;
  /** The signal, when killed by one. */
  signal?: string;
  stdout: string;
  stderr: string;
}

/** An open session. */
export interface SshSession {
  /** `node master-1 (10.0.0.11:22)`: how messages name this host. */
  readonly label: string;
  /** Runs a command and collects its output. */
  exec(command: string, opts: ExecOptions): Promise<ExecResult>;
  /** Runs a command that must exit 0 and returns its stdout; otherwise a {@link RemoteCommandError}. */
  run(command: string, opts: ExecOptions): Promise<string>;
  /** Opens a long-lived command channel (for the host lock); the caller owns it. */
  channel(command: string, what: string, timeoutMs: number): Promise<ClientChannel>;
  /** Resolves when the connection has ended, for whatever reason. */
  readonly ended: Promise<void>;
  /** Ends the connection cleanly (bounded). */
  close(): Promise<void>;
  /** Drops the connection at once (abort). */
  destroy(): void;
}

const DEFAULT_MISMATCH_HINT = 'if the host was reinstalled, update its pinned host key; otherwise find out who answers on that address';

/** `node master-1 (10.0.0.11:22)` or `10.0.0.11:22`. */
export function hostLabel(t: Pick<SshTarget, 'name' | 'host' | 'port'>): string {
  const addr = `${t.host}:${t.port ?? 22}`;
  return t.name ? `node ${t.name} (${addr})` : addr;
}

/** Connects and authenticates; the host must present the pinned key. */
export async function openSession(target: SshTarget, opts: SessionOptions = {}): Promise<SshSession> {
  const label = hostLabel(target);
  const pinned = parseHostKey(target.hostKey, target.hostKeyField ?? 'hostKey');
  const connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
  let presented: Buffer | undefined;
  const client = new Client();
  const config: ConnectConfig = {
    host: target.host,
    port: target.port ?? 22,
    username: target.username,
    privateKey: target.privateKey,
    readyTimeout: connectTimeoutMs,
    keepaliveInterval: opts.keepaliveMs ?? 10_000,
    keepaliveCountMax: 3,
    algorithms: { serverHostKey: hostKeyAlgorithms(pinned) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    hostVerifier: (key: Buffer) => {
      presented = Buffer.from(key);
      return key.equals(pinned.blob);
    },
  };
  const ended = new Promise<void>((resolve) => client.once('close', () => resolve()));
  // errors after the first one (and after the handshake) surface on the channels and in `ended`
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      client.destroy();
      if (presented && !presented.equals(pinned.blob)) {
        reject(new HostKeyMismatchError(label, `${pinned.fingerprint} (${pinned.type})`, `${fingerprint(presented)}`, target.mismatchHint ?? DEFAULT_MISMATCH_HINT));
      } else reject(connectError(label, target, connectTimeoutMs, err));
    };
    client.once('ready', () => {
      settled = true;
      resolve();
    });
    client.on('error', fail);
    try {
      client.connect(config);
    } catch (err) {
      fail(err as Error);
    }
  });
  client.removeAllListeners('error');
  client.on('error', () => undefined);
  return new Session(label, client, ended, opts.closeTimeoutMs ?? 5_000);
}

function connectError(label: string, target: SshTarget, timeoutMs: number, err: Error & { level?: string; code?: string }): NkdError {
  if (err.level === 'client-timeout') return new SshTimeoutError(label, 'connecting over SSH (TCP connect, handshake and authentication)', timeoutMs);
  if (err.level === 'client-authentication') {
    return new NkdError(`${label}: the host refused the key for user ${target.username}`, {
      hint: `add the client's public key to ~${target.username}/.ssh/authorized_keys on the host, or give the matching private key`,
      cause: err,
    });
  }
  if (err.code === 'ECONNREFUSED') return new NkdError(`${label}: connection refused (nothing listens on that port)`, { hint: 'check that sshd runs on the host and the port is right', cause: err });
  return new NkdError(`${label}: SSH connection failed: ${err.message}`, { cause: err });
}

class Session implements SshSession {
  constructor(
    readonly label: string,
    private readonly client: Client,
    readonly ended: Promise<void>,
    private readonly closeTimeoutMs: number,
  ) {}

  channel(command: string, what: string, timeoutMs: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SshTimeoutError(this.label, `opening a channel for ${what}`, timeoutMs)), timeoutMs);
      try {
        this.client.exec(command, (err, ch) => {
          clearTimeout(timer);
          if (err) reject(new NkdError(`${this.label}: could not start ${what}: ${err.message}`, { cause: err }));
          else resolve(ch);
        });
      } catch (err) {
        clearTimeout(timer);
        reject(new NkdError(`${this.label}: could not start ${what}: the connection is closed`, { cause: err }));
      }
    });
  }

  async exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    const what = opts.what ?? `"${command.length > 60 ? command.slice(0, 57) + '…' : command}"`;
    const started = Date.now();
    // the host enforces the bound too: closing a channel does not stop a command without a terminal
    const remote = `timeout -k 2 ${(opts.timeoutMs / 1000).toFixed(3)} sh -c ${shellQuote(command)}`;
    const ch = await this.channel(remote, what, opts.timeoutMs);
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code: number | null = null;
      let signal: string | undefined;
      const timer = setTimeout(() => {
        ch.close();
        reject(new SshTimeoutError(this.label, `waiting for ${what}`, opts.timeoutMs));
      }, Math.max(1, opts.timeoutMs - (Date.now() - started)));
      ch.on('data', (b: Buffer) => out.push(b));
      ch.stderr.on('data', (b: Buffer) => err.push(b));
      ch.on('exit', (c: number | null, sig?: string) => {
        code = c;
        signal = sig ?? undefined;
      });
      ch.on('close', () => {
        clearTimeout(timer);
        // 124 is timeout(1) saying the host's copy of the bound ran out first
        if (code === 124 && Date.now() - started >= opts.timeoutMs * 0.9) return reject(new SshTimeoutError(this.label, `waiting for ${what}`, opts.timeoutMs));
        resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      ch.on('error', (e: Error) => {
        clearTimeout(timer);
        reject(new NkdError(`${this.label}: ${what}: ${e.message}`, { cause: e }));
      });
      if (opts.stdin !== undefined) ch.end(opts.stdin);
      else ch.end();
    });
  }

  async run(command: string, opts: ExecOptions): Promise<string> {
    const r = await this.exec(command, opts);
    const what = opts.what ?? `"${command.slice(0, 60)}"`;
    if (r.code === null && r.signal === undefined) throw new NkdError(`${this.label}: ${what}: the connection closed before the command finished`, { hint: 'run again: every step nkd takes over SSH can be repeated' });
    if (r.code !== 0) throw new RemoteCommandError(this.label, what, r.code, r.stderr);
    return r.stdout;
  }

  async close(): Promise<void> {
    this.client.end();
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, this.closeTimeoutMs);
    });
    await Promise.race([this.ended, bounded]);
    clearTimeout(timer);
  }

  destroy(): void {
    this.client.destroy();
  }
}
