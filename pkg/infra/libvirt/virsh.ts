import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * How nkd talks to libvirt: the `virsh` client (see docs/adr/0301-libvirt-through-virsh.md).
 * Real URIs run one `virsh` process per command (libvirtd serves them concurrently); the test
 * driver (`test:///...`) keeps its state only for one connection, so it runs every command
 * through one long-lived interactive `virsh` session, one command at a time.
 */
export interface Virsh {
  readonly uri: string;
  /** False on libvirt's test driver, which implements no volume upload (the volume stays empty). */
  readonly uploads: boolean;
  /** Runs one virsh command; resolves with its stdout, rejects with a VirshError. */
  run(args: string[]): Promise<string>;
  /** Ends the session (no-op for per-command processes). */
  close(): Promise<void>;
}

/** A failed virsh command: the command and libvirt's own message. */
export class VirshError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`virsh ${args.join(' ')}: ${stderr.trim().replace(/^error: /gm, '').replace(/\n+/g, '; ') || 'failed'}`);
    this.name = 'VirshError';
  }
  /** True when libvirt says the object does not exist. */
  get notFound(): boolean {
    return /not found|no (domain|network|storage pool|storage vol)|failed to get (domain|network|pool|vol)|Storage volume not found/i.test(this.stderr);
  }
}

/** Opens a virsh executor for `uri` (a session for the test driver). */
export function openVirsh(uri: string, opts: { binary?: string; timeoutMs?: number } = {}): Virsh {
  return uri.startsWith('test://') ? new VirshSession(uri, opts.binary) : new VirshProcess(uri, opts.binary, opts.timeoutMs);
}

/** One `virsh -c URI <command>` process per call. */
class VirshProcess implements Virsh {
  readonly uploads = true;
  constructor(
    readonly uri: string,
    private readonly binary = 'virsh',
    private readonly timeoutMs = 120_000,
  ) {}

  run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, ['-q', '-c', this.uri, ...args], { timeout: this.timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'ENOENT') reject(new VirshError(args, `${this.binary} not found: install libvirt-clients`));
          else reject(new VirshError(args, stderr || err.message));
        } else resolve(stdout);
      });
    });
  }

  async close(): Promise<void> {}
}

/** Quotes one argument for virsh's shell-like parser. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_./:=,@+-]+$/.test(arg)) return arg;
  return `"${arg.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

/** One interactive virsh process; commands are delimited by echo markers on both streams. */
class VirshSession implements Virsh {
  readonly uploads = false;
  private proc?: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private wake?: () => void;
  private exited?: string;

  constructor(
    readonly uri: string,
    private readonly binary = 'virsh',
  ) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    const p = spawn(this.binary, ['-q', '-c', this.uri], { stdio: 'pipe', env: { ...process.env, LC_ALL: 'C', TERM: 'dumb' } });
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
      this.wake?.();
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.err += d;
      this.wake?.();
    });
    p.on('error', (e) => {
      this.exited = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${this.binary} not found: install libvirt-clients` : e.message;
      this.wake?.();
    });
    p.on('exit', (code) => {
      this.exited ??= `virsh session exited (${code})`;
      this.wake?.();
    });
    this.proc = p;
    return p;
  }

  run(args: string[]): Promise<string> {
    const r = this.queue.then(() => this.exec(args));
    this.queue = r.catch(() => undefined);
    return r;
  }

  private async exec(args: string[]): Promise<string> {
    const p = this.start();
    const n = ++this.seq;
    // The marker is printed as `__NKD<n>__` but typed with quotes, so the echoed command line
    // (virsh echoes input when stdin is not a terminal) never contains it.
    const mark = `__NKD${n}__`;
    const typed = `'__NKD'${n}'__'`;
    p.stdin.write(`${args.map(quoteArg).join(' ')}\necho --err ${typed}\necho ${typed}\n`);
    for (;;) {
      const oi = this.out.indexOf(mark);
      const ei = this.err.indexOf(mark);
      if (oi >= 0 && ei >= 0) {
        const stdout = this.out.slice(0, oi);
        const stderr = this.err.slice(0, ei);
        this.out = this.out.slice(oi + mark.length);
        this.err = this.err.slice(ei + mark.length);
        const cleanOut = stdout.replace(/virsh # [^\n]*\n?/g, '');
        // The stderr marker is printed as "error: __NKD<n>__": drop that prefix.
        const cleanErr = stderr.replace(/error: $/, '').trim();
        if (cleanErr) throw new VirshError(args, cleanErr);
        return cleanOut;
      }
      if (this.exited) throw new VirshError(args, this.exited);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async close(): Promise<void> {
    const p = this.proc;
    if (!p || this.exited) return;
    await this.queue;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.stdin.end('quit\n');
    });
  }
}
