/**
 * One TFTP read transfer on its own socket (the server's transfer ID), connected to the
 * client's: lock-step DATA/ACK with retransmission on timeout, a bounded number of times.
 */
import type { Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { dataPacket, errorMessageOf, errorPacket, Opcode, TftpErrorCode, toNetascii, type TftpErrorCodeValue } from './tftp-packet.js';

/** The bytes a transfer sends, read on demand. */
export interface ByteSource {
  /** How many bytes will be sent (the tsize answered). */
  size: number;
  /** Up to `length` bytes from `offset`; fewer only at the end. */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Bytes read from the file per disk read (a whole number of blocks is sent from each). */
const READ_AHEAD = 256 * 1024;
/** The largest file served in netascii mode (converted in memory; boot files use octet). */
export const MAX_NETASCII_BYTES = 16 * 1024 * 1024;

/** An opened file as it is sent: as is (octet) or converted to netascii (read whole). */
export async function byteSource(handle: FileHandle, size: number, mode: 'octet' | 'netascii'): Promise<ByteSource> {
  if (mode === 'netascii') {
    const bytes = toNetascii(await handle.readFile());
    await handle.close();
    return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length), close: async () => undefined };
  }
  let start = 0;
  let chunk = Buffer.alloc(0);
  return {
    size,
    async read(offset, length) {
      if (offset < start || offset + length > start + chunk.length) {
        const buf = Buffer.alloc(Math.max(length, READ_AHEAD));
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        start = offset;
        chunk = buf.subarray(0, bytesRead);
      }
      return chunk.subarray(offset - start, offset - start + length);
    },
    close: () => handle.close(),
  };
}

/** How a transfer ended. */
export type TransferOutcome = { ok: true; bytes: number; blocks: number; retransmissions: number } | { ok: false; reason: string };

/** What a transfer needs. */
export interface TransferParams {
  /** The transfer's own socket, connected to the client's address and port. */
  socket: Socket;
  source: ByteSource;
  blksize: number;
  timeoutMs: number;
  /** Retransmissions of one packet before giving up. */
  retries: number;
  /** The OACK to send first (its ACK is block 0), when options were accepted. */
  oack?: Buffer;
}

/**
 * Sends one file: DATA blocks 1, 2, … (numbers roll over from 65535 to 0), each after the ACK
 * of the one before. A duplicate ACK is ignored rather than answered (RFC 1123 4.2.3.1, the
 * Sorcerer's Apprentice bug); only a timeout retransmits. `done` settles once the socket is
 * closed and the file released.
 */
export class Transfer {
  /** Settles when the transfer ended, its socket closed. */
  readonly done: Promise<TransferOutcome>;
  private settle!: (o: TransferOutcome) => void;
  private seq = 0;
  private sent = 0;
  private pending: Buffer = Buffer.alloc(0);
  private tries = 0;
  private retransmissions = 0;
  private timer: NodeJS.Timeout | undefined;
  private last = false;
  private reading = false;
  /** An ERROR is on its way to the client: nothing else is sent. */
  private ending = false;
  private finished = false;

  constructor(private readonly p: TransferParams) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    p.socket.on('message', (m: Buffer) => this.onMessage(m));
    p.socket.on('error', (e: NodeJS.ErrnoException) => void this.finish({ ok: false, reason: `socket error: ${e.code ?? e.message}` }));
  }

  /** Sends the OACK or the first block. */
  start(): void {
    if (this.p.oack) this.send(this.p.oack);
    else void this.next();
  }

  /** Ends the transfer with an ERROR packet to the client (server stopping). */
  abort(code: TftpErrorCodeValue, reason: string): Promise<TransferOutcome> {
    if (this.finished || this.ending) return this.done;
    this.ending = true;
    this.clearTimer();
    this.p.socket.send(errorPacket(code, reason), () => void this.finish({ ok: false, reason }));
    return this.done;
  }

  private async next(): Promise<void> {
    this.seq++;
    this.reading = true;
    let payload: Buffer;
    try {
      payload = await this.p.source.read((this.seq - 1) * this.p.blksize, this.p.blksize);
    } catch (e) {
      await this.abort(TftpErrorCode.NotDefined, `read error: ${(e as NodeJS.ErrnoException).code ?? 'unknown'}`);
      return;
    } finally {
      this.reading = false;
    }
    if (this.finished || this.ending) return;
    this.last = payload.length < this.p.blksize;
    this.sent += payload.length;
    this.send(dataPacket(this.seq, payload));
  }

  private send(packet: Buffer): void {
    this.pending = packet;
    this.tries = 0;
    this.transmit();
  }

  private transmit(): void {
    this.clearTimer();
    this.p.socket.send(this.pending, (err) => {
      if (err) void this.finish({ ok: false, reason: `cannot send: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
    });
    this.timer = setTimeout(() => this.onTimeout(), this.p.timeoutMs);
  }

  private onTimeout(): void {
    if (this.finished || this.ending) return;
    if (this.tries >= this.p.retries) {
      void this.finish({ ok: false, reason: `timed out: no ACK of block ${this.seq} after ${this.p.retries} retransmissions` });
      return;
    }
    this.tries++;
    this.retransmissions++;
    this.transmit();
  }

  private onMessage(m: Buffer): void {
    if (this.finished || this.ending || m.length < 4) return;
    const op = m.readUInt16BE(0);
    if (op === Opcode.ERROR) {
      void this.finish({ ok: false, reason: `the client ended the transfer (${errorMessageOf(m)})` });
      return;
    }
    if (op !== Opcode.ACK) {
      void this.abort(TftpErrorCode.IllegalOperation, `illegal TFTP operation: opcode ${op} during a read transfer`);
      return;
    }
    if (this.reading || m.readUInt16BE(2) !== (this.seq & 0xffff)) return; // duplicate or stray ACK
    this.clearTimer();
    if (this.last) void this.finish({ ok: true, bytes: this.sent, blocks: this.seq, retransmissions: this.retransmissions });
    else void this.next();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async finish(outcome: TransferOutcome): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    await Promise.all([
      new Promise<void>((resolve) => {
        try {
          this.p.socket.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      }),
      this.p.source.close().catch(() => undefined),
    ]);
    this.settle(outcome);
  }
}
