import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, rsaKeyPairFromDer, type KeyPair, type KeySource } from './keys.js';

interface Reply {
  id: number;
  pkcs8: string;
  spki: string;
}

interface Job {
  id: number;
  resolve: (k: KeyPair) => void;
  reject: (e: unknown) => void;
}

// The compiled child next to this module (dist/); absent when running from the sources (jest).
const CHILD = fileURLToPath(new URL('./keygen-child.js', import.meta.url));

/**
 * Fresh keys where RSA-2048 keys come from child processes (forked on first use, one per
 * generation in flight): a WebCrypto or worker-thread generation cannot be stopped, and Node
 * waits for it even in process.exit, so an interrupted RSA render would wait up to a key's
 * time per core; a child is killed at once. ECDSA keys (about a millisecond) stay in-process,
 * and so does everything when the compiled child is absent.
 */
export class KeyProcesses {
  private readonly idle: ChildProcess[] = [];
  private readonly all = new Set<ChildProcess>();
  private readonly busy = new Map<ChildProcess, Job>();
  private readonly waiting: Job[] = [];
  private nextId = 0;
  private closed = false;

  /** True when child processes can be used (the compiled build). */
  static available(): boolean {
    return existsSync(CHILD);
  }

  /** The KeySource: RSA from a child process, ECDSA in-process. */
  readonly keys: KeySource = (_name, type) => (type === 'rsa-2048' && KeyProcesses.available() ? this.rsa() : generateKeyPair(type));

  private rsa(): Promise<KeyPair> {
    if (this.closed) return Promise.reject(new Error('internal: key processes already closed'));
    return new Promise<KeyPair>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length) {
      const child = this.idle.pop() ?? this.spawn();
      const job = this.waiting.shift()!;
      this.busy.set(child, job);
      child.send({ id: job.id });
    }
  }

  private spawn(): ChildProcess {
    const child = fork(CHILD, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    this.all.add(child);
    child.on('message', (m: Reply) => {
      const job = this.busy.get(child);
      this.busy.delete(child);
      this.idle.push(child);
      if (job) rsaKeyPairFromDer(Buffer.from(m.pkcs8, 'base64'), Buffer.from(m.spki, 'base64')).then(job.resolve, job.reject);
      this.dispatch();
    });
    child.once('exit', (code, signal) => {
      this.all.delete(child);
      const i = this.idle.indexOf(child);
      if (i >= 0) this.idle.splice(i, 1);
      const job = this.busy.get(child);
      this.busy.delete(child);
      job?.reject(new Error(`key generation process exited (${signal ?? code}) before answering`));
    });
    return child;
  }

  /** Kills every child at once (a generation in the middle is dropped); later requests fail. */
  close(): void {
    this.closed = true;
    for (const c of this.all) c.kill('SIGKILL');
    for (const j of this.waiting.splice(0)) j.reject(new Error('internal: key processes closed'));
  }
}
