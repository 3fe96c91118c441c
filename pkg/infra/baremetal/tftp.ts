/**
 * nkd's TFTP server for PXE: read-only (RFC 1350 RRQ in octet or netascii mode, with the
 * blksize, tsize and timeout options PXE and iPXE ROMs send), serving the files of one root
 * directory and nothing outside it (tftp-path.ts). Each transfer runs on its own ephemeral
 * socket; their number is bounded; stop() closes every socket.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { stat, realpath } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { NkdError, ExitCode, usageError } from '../../ui/errors.js';
import { normalizeIp } from '../boot-service.js';
import type { Progress } from '../types.js';
import { errorPacket, MAX_BLKSIZE, negotiate, Opcode, oackPacket, parseReadRequest, TftpErrorCode, type TftpErrorCodeValue, type TftpRefusal } from './tftp-packet.js';
import { openTftpFile } from './tftp-path.js';
import { byteSource, MAX_NETASCII_BYTES, Transfer, type ByteSource } from './tftp-transfer.js';

/** Where the server listens and what it serves. */
export interface TftpServerOptions {
  /** The one directory served (its real path is taken at start). */
  root: string;
  host: string;
  /** 69 for PXE ROMs; 0 picks a free port. */
  port: number;
  progress: Progress;
  /** Which client addresses may read; all when absent. */
  allow?: (clientIp: string) => boolean;
  /** Most transfers at once (default 64); a request beyond gets an ERROR. */
  maxTransfers?: number;
  /** Retransmission interval when the client sets no timeout option (default 1000 ms). */
  timeoutMs?: number;
  /** Retransmissions of one packet before a transfer is given up (default 5). */
  retries?: number;
  /** Largest block size granted (default 65464, RFC 2348's maximum). */
  maxBlksize?: number;
}

/** A file sent to the end (its last block acknowledged). */
export interface TftpServed {
  client: string;
  /** The name relative to the root. */
  file: string;
}

/** A running TFTP server. */
export interface TftpServer {
  address: string;
  port: number;
  /** Ends every transfer (the client gets an ERROR) and closes every socket. */
  stop(): Promise<void>;
  /** The files sent, in order of completion. */
  served(): TftpServed[];
}

/** The NkdError for a socket that cannot listen, with what to do about it. */
export function tftpListenError(err: NodeJS.ErrnoException, host: string, port: number): NkdError {
  const hints: Record<string, string> = {
    EADDRINUSE: `another process holds UDP port ${port} on ${host} (a tftpd or dnsmasq with enable-tftp? see: ss -ulpn 'sport = :${port}'): stop it, or set spec.baremetal.tftpPort to another port`,
    EACCES: port < 1024
      ? `UDP port ${port} is privileged: run nkd as root or give node CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep "$(command -v node)"), or set spec.baremetal.tftpPort to a port of 1024 or more and forward port 69 to it`
      : 'permission denied: check the security policy (SELinux, AppArmor) of this machine',
    EADDRNOTAVAIL: `${host} is not an address of this machine: set spec.baremetal.tftpAddress to one the hosts reach`,
  };
  return new NkdError(`TFTP server: cannot listen on ${host}:${port}: ${err.code ?? err.message}`, {
    code: ExitCode.Failure,
    hint: hints[err.code ?? ''] ?? 'use an address of this machine the hosts reach, and a free port',
    cause: err,
  });
}

const bindSocket = (socket: Socket, host: string, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });

async function realRoot(root: string): Promise<string> {
  const hint = 'give the directory the PXE files are served from';
  let real: string;
  try {
    real = await realpath(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`TFTP root ${root}: ${code === 'ENOENT' ? 'no such directory' : `cannot be read (${code ?? (e as Error).message})`}`, hint);
  }
  if (!(await stat(real)).isDirectory()) throw usageError(`TFTP root ${root}: not a directory`, hint);
  return real;
}

/**
 * Starts the server. A request names a file under `root`; write requests and names leading
 * outside the root are refused with ERROR 2 (and a warning naming the client), missing files get
 * ERROR 1 (logged at debug: PXELINUX probes many config names that do not exist).
 */
export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const root = await realRoot(opts.root);
  const limits = {
    maxTransfers: opts.maxTransfers ?? 64,
    timeoutMs: opts.timeoutMs ?? 1000,
    retries: opts.retries ?? 5,
    maxBlksize: Math.min(opts.maxBlksize ?? MAX_BLKSIZE, MAX_BLKSIZE),
  };
  const type = isIPv6(opts.host) ? 'udp6' : 'udp4';
  const main = createSocket(type);
  try {
    await bindSocket(main, opts.host, opts.port);
  } catch (e) {
    main.close();
    throw tftpListenError(e as NodeJS.ErrnoException, opts.host, opts.port);
  }
  const { address, port } = main.address();
  const served: TftpServed[] = [];
  /** Transfers by client TID (address:port), from the request on: one per TID. */
  const transfers = new Map<string, Transfer | 'opening'>();
  const starting = new Set<Promise<void>>();
  let stopped = false;

  const reply = (to: RemoteInfo, code: TftpErrorCodeValue, reason: string): void => {
    if (!stopped) main.send(errorPacket(code, reason), to.port, to.address);
  };
  const refuse = (to: RemoteInfo, r: TftpRefusal, what: string): void => {
    const line = `TFTP: refused ${what} from ${normalizeIp(to.address)}: ${r.reason}`;
    if (r.code === TftpErrorCode.FileNotFound) opts.progress.debug(line);
    else opts.progress.warn(line);
    reply(to, r.code, r.reason);
  };

  const startTransfer = async (req: Buffer, from: RemoteInfo, tid: string): Promise<void> => {
    const rrq = parseReadRequest(req);
    if (!rrq.ok) return refuse(from, rrq, 'a read request');
    const file = await openTftpFile(root, rrq.filename);
    if (!file.ok) return refuse(from, file, `a read of "${rrq.filename.slice(0, 100)}"`);
    if (stopped) return void (await file.handle.close());
    if (rrq.mode === 'netascii' && file.stats.size > MAX_NETASCII_BYTES) {
      await file.handle.close();
      return refuse(from, { ok: false, code: TftpErrorCode.NotDefined, reason: `${file.name} is too large for netascii mode: use octet` }, 'a read');
    }
    let source: ByteSource;
    try {
      source = await byteSource(file.handle, file.stats.size, rrq.mode);
    } catch (e) {
      await file.handle.close().catch(() => undefined);
      return refuse(from, { ok: false, code: TftpErrorCode.NotDefined, reason: `${file.name}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` }, 'a read');
    }
    const agreed = negotiate(rrq.options, source.size, limits);
    const socket = createSocket(type);
    try {
      await bindSocket(socket, opts.host, 0);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(from.port, from.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      socket.close();
      await source.close();
      opts.progress.warn(`TFTP: no socket for a transfer to ${normalizeIp(from.address)}: ${(e as Error).message}`);
      return;
    }
    const transfer = new Transfer({
      socket,
      source,
      blksize: agreed.blksize,
      timeoutMs: agreed.timeoutMs,
      retries: limits.retries,
      oack: agreed.acknowledged.length > 0 ? oackPacket(agreed.acknowledged) : undefined,
    });
    transfers.set(tid, transfer);
    if (stopped) await transfer.abort(TftpErrorCode.NotDefined, 'server stopping');
    else transfer.start();
    const outcome = await transfer.done;
    const client = normalizeIp(from.address);
    if (outcome.ok) {
      served.push({ client, file: file.name });
      const resent = outcome.retransmissions > 0 ? `, ${outcome.retransmissions} retransmitted` : '';
      opts.progress.ok(`TFTP: sent ${file.name} to ${client} (${outcome.bytes} bytes, ${outcome.blocks} blocks of ${agreed.blksize}${resent})`);
    } else opts.progress.warn(`TFTP: transfer of ${file.name} to ${client} failed: ${outcome.reason}`);
  };

  main.on('error', (e) => opts.progress.warn(`TFTP: socket error: ${e.message}`));
  main.on('message', (msg: Buffer, from: RemoteInfo) => {
    if (stopped || msg.length < 2) return;
    const op = msg.readUInt16BE(0);
    if (op === Opcode.ERROR) return; // never answer an error with an error
    if (op === Opcode.DATA || op === Opcode.ACK || op === Opcode.OACK) {
      // Not a request, but a known packet: tftp-hpa acknowledges an ERROR sent from this port.
      opts.progress.debug(`TFTP: ignored a stray packet (opcode ${op}) from ${normalizeIp(from.address)} on the request port`);
      return;
    }
    const ip = normalizeIp(from.address);
    if (opts.allow && !opts.allow(ip)) return refuse(from, { ok: false, code: TftpErrorCode.AccessViolation, reason: `${ip} may not use this TFTP server` }, 'a request');
    if (op === Opcode.WRQ) return refuse(from, { ok: false, code: TftpErrorCode.AccessViolation, reason: 'read-only server: write requests are refused' }, 'a write request');
    if (op !== Opcode.RRQ) return refuse(from, { ok: false, code: TftpErrorCode.IllegalOperation, reason: `illegal TFTP operation: unknown opcode ${op}` }, 'a packet');
    const tid = `${from.address}:${from.port}`;
    if (transfers.has(tid)) return; // the client repeated its request: its transfer is under way
    if (transfers.size >= limits.maxTransfers) {
      return refuse(from, { ok: false, code: TftpErrorCode.NotDefined, reason: `server busy: ${limits.maxTransfers} transfers under way, try again` }, 'a read request');
    }
    transfers.set(tid, 'opening');
    const run = startTransfer(msg, from, tid)
      .catch((e: unknown) => opts.progress.warn(`TFTP: request from ${ip} failed: ${(e as Error).message}`))
      .finally(() => {
        transfers.delete(tid);
        starting.delete(run);
      });
    starting.add(run);
  });

  return {
    address,
    port,
    served: () => [...served],
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of transfers.values()) if (t !== 'opening') void t.abort(TftpErrorCode.NotDefined, 'server stopping');
      await Promise.allSettled([...starting]);
      await new Promise<void>((resolve) => main.close(() => resolve()));
    },
  };
}
