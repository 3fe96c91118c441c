import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTftpServer, type TftpServer, type TftpServerOptions } from '../../../pkg/infra/baremetal/tftp.js';
import type { Progress } from '../../../pkg/infra/types.js';
import { NkdError } from '../../../pkg/ui/errors.js';

// Real clients (hack/env/35-baremetal.sh): Debian's tftp-hpa `tftp` (plain RFC 1350) and
// `atftp` (sends the blksize/tsize options PXE and iPXE ROMs send).
jest.setTimeout(120_000);

const BIG = 40 * 1024 * 1024 + 77; // more blocks than 16-bit block numbers count at 512 bytes
const MULTI = 1024 * 1024 + 123;

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string }>;
}

/** Starts a real TFTP client; its stdout and stderr together are the output. */
function client(cmd: 'tftp' | 'atftp', args: string[]): Run {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
  return { child, done };
}

/** tftp-hpa (no options): `get` of one file. It exits 0 even on an ERROR, so its output tells. */
const hpaGet = (port: number, remote: string, local: string, mode = 'binary') => client('tftp', ['-m', mode, '127.0.0.1', String(port), '-c', 'get', remote, local]).done;
/** atftp `get`, with options. */
const atftpGet = (port: number, remote: string, local: string, options: string[] = []) =>
  client('atftp', ['-g', '-r', remote, '-l', local, ...options.flatMap((o) => ['--option', o]), '127.0.0.1', String(port)]);

/** The UDP ports this process has open (its socket inodes matched against /proc/net/udp*). */
function ourUdpPorts(): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while listing
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9]!)) ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('nkd\'s TFTP server, read by real TFTP clients over loopback', () => {
  let base: string;
  let root: string;
  let out: string;
  let server: TftpServer;
  const lines: string[] = [];
  const progress: Progress = { info: (m) => lines.push(`info ${m}`), ok: (m) => lines.push(`ok ${m}`), warn: (m) => lines.push(`warn ${m}`), debug: (m) => lines.push(`debug ${m}`) };
  const files: Record<string, Buffer> = {};
  const start = (extra: Partial<TftpServerOptions> = {}) => startTftpServer({ root, host: '127.0.0.1', port: 0, progress, ...extra });

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'nkd-tftp-')));
    root = join(base, 'root');
    out = join(base, 'out');
    await mkdir(join(root, 'boot'), { recursive: true });
    await mkdir(join(root, 'pxelinux.cfg'));
    await mkdir(out);
    files['boot/pxelinux.0'] = randomBytes(MULTI);
    files['exact.bin'] = randomBytes(512 * 16);
    files['empty'] = Buffer.alloc(0);
    files['big.img'] = randomBytes(BIG);
    files['pxelinux.cfg/default'] = Buffer.from('DEFAULT nestos\nLABEL nestos\r\n  KERNEL vmlinuz\n');
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(root, name), bytes);
    await writeFile(join(base, 'secret'), 'outside the root\n');
    await symlink('boot/pxelinux.0', join(root, 'in-link'));
    await symlink('../secret', join(root, 'out-link'));
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  const fetched = (local: string) => readFile(join(out, local));
  /** The server's line for a transfer (one under load may add how many blocks it sent again). */
  const sentLine = (what: string) => expect.stringMatching(new RegExp(`^ok TFTP: sent ${what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(, \\d+ retransmitted)?\\)$`));

  it('sends a multi-block file byte for byte to tftp-hpa without options, with or without a leading slash', async () => {
    const t0 = Date.now();
    expect((await hpaGet(server.port, 'boot/pxelinux.0', join(out, 'a'))).out).toBe('');
    const ms = Date.now() - t0;
    expect((await hpaGet(server.port, '/boot/pxelinux.0', join(out, 'b'))).out).toBe('');
    expect((await fetched('a')).equals(files['boot/pxelinux.0']!)).toBe(true);
    expect((await fetched('b')).equals(files['boot/pxelinux.0']!)).toBe(true);
    expect(lines).toContainEqual(sentLine(`boot/pxelinux.0 to 127.0.0.1 (${MULTI} bytes, ${Math.ceil(MULTI / 512)} blocks of 512`));
    expect(ms).toBeLessThan(30_000);
  });

  it('ends a file of a whole number of blocks with an empty block, and sends an empty file', async () => {
    expect((await hpaGet(server.port, 'exact.bin', join(out, 'exact'))).out).toBe('');
    expect((await fetched('exact')).equals(files['exact.bin']!)).toBe(true);
    expect(lines).toContainEqual(sentLine('exact.bin to 127.0.0.1 (8192 bytes, 17 blocks of 512'));
    expect((await hpaGet(server.port, 'empty', join(out, 'empty'))).out).toBe('');
    expect((await stat(join(out, 'empty'))).size).toBe(0);
  });

  it('grants atftp the blksize it asks for and answers tsize, the file byte for byte', async () => {
    const r = await atftpGet(server.port, 'boot/pxelinux.0', join(out, 'c'), ['blksize 1428', 'tsize 0', 'timeout 2']).done;
    expect(r.code).toBe(0);
    expect((await fetched('c')).equals(files['boot/pxelinux.0']!)).toBe(true);
    expect(lines).toContainEqual(sentLine(`boot/pxelinux.0 to 127.0.0.1 (${MULTI} bytes, ${Math.ceil(MULTI / 1428)} blocks of 1428`));
  });

  it('sends a file larger than 512 × 65535 bytes with blksize 8192', async () => {
    const t0 = Date.now();
    const r = await atftpGet(server.port, 'big.img', join(out, 'big'), ['blksize 8192', 'tsize 0']).done;
    const ms = Date.now() - t0;
    expect(r.code).toBe(0);
    expect((await fetched('big')).equals(files['big.img']!)).toBe(true);
    expect(lines).toContainEqual(sentLine(`big.img to 127.0.0.1 (${BIG} bytes, ${Math.ceil(BIG / 8192)} blocks of 8192`));
    lines.push(`measured: ${BIG} bytes at blksize 8192 in ${ms} ms`);
    expect(ms).toBeLessThan(60_000);
  });

  it('rolls block numbers over from 65535 to 0, so tftp-hpa reads the same file without options', async () => {
    const t0 = Date.now();
    expect((await hpaGet(server.port, 'big.img', join(out, 'rolled'))).out).toBe('');
    lines.push(`measured: ${BIG} bytes at blksize 512 in ${Date.now() - t0} ms`);
    expect((await fetched('rolled')).equals(files['big.img']!)).toBe(true);
    expect(lines).toContainEqual(sentLine(`big.img to 127.0.0.1 (${BIG} bytes, ${Math.ceil(BIG / 512)} blocks of 512`));
  });

  it('converts a netascii transfer so that tftp-hpa\'s netascii get gives back the text', async () => {
    expect((await hpaGet(server.port, 'pxelinux.cfg/default', join(out, 'text'), 'netascii')).out).toBe('');
    expect((await fetched('text')).equals(files['pxelinux.cfg/default']!)).toBe(true);
  });

  it('refuses ".." requests as an access violation naming why, and sends nothing from outside the root', async () => {
    for (const name of ['../secret', '/../secret', 'boot/../../secret']) {
      const r = await hpaGet(server.port, name, join(out, 'escape'));
      expect(r.out).toBe('Error code 2: the file name has a ".." segment (outside the TFTP root)\n');
    }
    const a = await atftpGet(server.port, '../secret', join(out, 'escape2')).done;
    expect(a.code).not.toBe(0);
    expect(a.out).toMatch(/error received from server <the file name has a "\.\." segment/);
    expect((await readFile(join(out, 'escape'))).length).toBe(0);
    expect(lines).toContain('warn TFTP: refused a read of "boot/../../secret" from 127.0.0.1: the file name has a ".." segment (outside the TFTP root)');
  });

  it('refuses a symbolic link leading out of the root and serves one inside it', async () => {
    expect((await hpaGet(server.port, 'out-link', join(out, 'out-link'))).out).toBe('Error code 2: out-link: a symbolic link leading outside the TFTP root\n');
    expect((await hpaGet(server.port, 'in-link', join(out, 'in-link'))).out).toBe('');
    expect((await fetched('in-link')).equals(files['boot/pxelinux.0']!)).toBe(true);
  });

  it('answers a missing file with file not found (code 1), logged at debug only', async () => {
    expect((await hpaGet(server.port, 'pxelinux.cfg/01-52-54-00-12-34-56', join(out, 'missing'))).out).toBe('Error code 1: pxelinux.cfg/01-52-54-00-12-34-56: file not found\n');
    expect(lines).toContain('debug TFTP: refused a read of "pxelinux.cfg/01-52-54-00-12-34-56" from 127.0.0.1: pxelinux.cfg/01-52-54-00-12-34-56: file not found');
  });

  it('refuses a write request (code 2) and writes nothing', async () => {
    await writeFile(join(out, 'upload'), 'from the client\n');
    const r = await client('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'put', join(out, 'upload'), 'uploaded']).done;
    expect(r.out).toBe('Error code 2: read-only server: write requests are refused\n');
    const a = await client('atftp', ['-p', '-r', 'exact.bin', '-l', join(out, 'upload'), '127.0.0.1', String(server.port)]).done;
    expect(a.out).toMatch(/error received from server <read-only server: write requests are refused>/);
    await expect(stat(join(root, 'uploaded'))).rejects.toThrow(/ENOENT/);
    expect((await readFile(join(root, 'exact.bin'))).equals(files['exact.bin']!)).toBe(true);
  });

  it('refuses a client its allow check rejects', async () => {
    const s = await start({ allow: (ip) => ip === '10.0.0.7' });
    try {
      expect((await hpaGet(s.port, 'exact.bin', join(out, 'denied'))).out).toBe('Error code 2: 127.0.0.1 may not use this TFTP server\n');
      expect(s.served()).toEqual([]);
    } finally {
      await s.stop();
    }
  });

  it('lists in served() each file sent to its end, with the client address', () => {
    const got = server.served();
    expect(got).toContainEqual({ client: '127.0.0.1', file: 'big.img' });
    expect(got).toContainEqual({ client: '127.0.0.1', file: 'in-link' });
    expect(got.map((s) => s.file)).not.toContain('out-link');
  });

  it('gives up on a client that stops answering after the bounded retransmissions, and closes the transfer\'s socket', async () => {
    const s = await start({ timeoutMs: 100, retries: 3 });
    const before = ourUdpPorts();
    const run = atftpGet(s.port, 'big.img', join(out, 'stalled'), ['blksize 8']);
    try {
      await until('the transfer socket', () => ourUdpPorts().length === before.length + 1);
      run.child.kill('SIGSTOP');
      await until('the transfer to be given up', () => lines.some((l) => l.startsWith('warn TFTP: transfer of big.img to 127.0.0.1 failed: timed out: no ACK of block')));
      expect(lines.find((l) => l.includes('failed: timed out'))).toMatch(/after 3 retransmissions$/);
      await until('the transfer socket to close', () => ourUdpPorts().length === before.length);
      expect(ourUdpPorts()).toEqual(before);
    } finally {
      run.child.kill('SIGKILL');
      await run.done;
      await s.stop();
    }
  });

  it('refuses a transfer beyond its limit as busy; stop() ends the transfer under way and leaves no socket open', async () => {
    const baseline = ourUdpPorts();
    const s = await start({ maxTransfers: 1 });
    expect(ourUdpPorts()).toEqual([...baseline, s.port].sort((a, b) => a - b));
    const slow = atftpGet(s.port, 'big.img', join(out, 'slow'), ['blksize 8']);
    try {
      await until('the transfer socket', () => ourUdpPorts().length === baseline.length + 2);
      expect((await hpaGet(s.port, 'exact.bin', join(out, 'busy'))).out).toBe('Error code 0: server busy: 1 transfers under way, try again\n');
      await s.stop();
      expect(ourUdpPorts()).toEqual(baseline);
      const ended = await slow.done;
      expect(ended.code).not.toBe(0);
      // The client ends at once: on the ERROR (atftp reads it into a buffer of the negotiated
      // block size, 8 bytes of the message) or, when its last ACK meets the closed socket first,
      // on the ICMP port-unreachable ("unknown error").
      expect(ended.out).toMatch(/(error received from server <server |unknown error)[^]*aborting/);
    } finally {
      slow.child.kill('SIGKILL');
      await slow.done;
    }
    const again = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(s.port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('says which port is in use, as an NkdError with a hint', async () => {
    const err = await start({ port: server.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NkdError);
    expect((err as NkdError).message).toBe(`TFTP server: cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`);
    expect((err as NkdError).hint).toMatch(/another process holds UDP port \d+ on 127\.0\.0\.1 .*set spec\.baremetal\.tftpPort/);
  });

  it('refuses a root that is not a directory', async () => {
    await expect(startTftpServer({ root: join(root, 'exact.bin'), host: '127.0.0.1', port: 0, progress })).rejects.toThrow(`TFTP root ${join(root, 'exact.bin')}: not a directory`);
    await expect(startTftpServer({ root: join(base, 'nosuch'), host: '127.0.0.1', port: 0, progress })).rejects.toThrow(`TFTP root ${join(base, 'nosuch')}: no such directory`);
  });
});
