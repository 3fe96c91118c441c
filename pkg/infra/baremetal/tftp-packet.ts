/**
 * TFTP packets (RFC 1350) and option negotiation (RFC 2347 options, RFC 2348 blksize, RFC 2349
 * timeout and tsize): parsing what a client sends and encoding what nkd's read-only server
 * answers. Pure: no sockets, no files.
 */

/** TFTP opcodes. */
export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** TFTP error codes (RFC 1350 section 5; 8 from RFC 2347). */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTid: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionRefused: 8,
} as const;

/** One of the values of {@link TftpErrorCode}. */
export type TftpErrorCodeValue = (typeof TftpErrorCode)[keyof typeof TftpErrorCode];

/** A request refused, with the ERROR code and the message the client is sent. */
export interface TftpRefusal {
  ok: false;
  code: TftpErrorCodeValue;
  reason: string;
}

/** A transfer mode the server serves. */
export type TftpMode = 'octet' | 'netascii';

/** A parsed read request. */
export interface ReadRequest {
  ok: true;
  filename: string;
  mode: TftpMode;
  /** Option names lower-cased (they are case-insensitive), the first of duplicates kept. */
  options: Map<string, string>;
}

/** The largest block size RFC 2348 allows. */
export const MAX_BLKSIZE = 65464;
/** The block size without the blksize option. */
export const DEFAULT_BLKSIZE = 512;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses an RRQ (filename, mode, then option name/value pairs, each NUL-terminated). The file
 * name must be UTF-8 (it becomes a path); an incomplete trailing option pair is ignored.
 */
export function parseReadRequest(msg: Buffer): ReadRequest | TftpRefusal {
  const illegal = (reason: string): TftpRefusal => ({ ok: false, code: TftpErrorCode.IllegalOperation, reason });
  const fields: Buffer[] = [];
  let start = 2;
  for (let i = 2; i < msg.length; i++) {
    if (msg[i] === 0) {
      fields.push(msg.subarray(start, i));
      start = i + 1;
    }
  }
  const [nameBytes, modeBytes, ...rest] = fields;
  if (!nameBytes || !modeBytes) return illegal('malformed read request: a file name and a mode, each ending in NUL, are required');
  let filename: string;
  try {
    filename = utf8.decode(nameBytes);
  } catch {
    return { ok: false, code: TftpErrorCode.AccessViolation, reason: 'the file name is not valid UTF-8' };
  }
  const mode = modeBytes.toString('latin1').toLowerCase();
  if (mode !== 'octet' && mode !== 'netascii') return illegal(`transfer mode "${mode.slice(0, 32)}" is not supported: use octet or netascii`);
  const options = new Map<string, string>();
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const key = rest[i]!.toString('latin1').toLowerCase();
    if (key && !options.has(key)) options.set(key, rest[i + 1]!.toString('latin1'));
  }
  return { ok: true, filename, mode, options };
}

/** What the server agreed to: block size, retransmission interval, and the OACK's pairs. */
export interface Negotiated {
  blksize: number;
  timeoutMs: number;
  /** The options acknowledged, in the order answered; empty means no OACK (plain RFC 1350). */
  acknowledged: Array<[string, string]>;
}

const integer = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined);

/**
 * Answers the options a server may accept: blksize 8–65464 (lowered to `maxBlksize`), timeout
 * 1–255 s, tsize (answered with `size`, the bytes that will be sent). Anything else, or a value
 * out of range, is left out of the OACK, which RFC 2347 says means "not accepted".
 */
export function negotiate(options: Map<string, string>, size: number, defaults: { timeoutMs: number; maxBlksize: number }): Negotiated {
  const out: Negotiated = { blksize: DEFAULT_BLKSIZE, timeoutMs: defaults.timeoutMs, acknowledged: [] };
  const blksize = integer(options.get('blksize'));
  if (blksize !== undefined && blksize >= 8 && blksize <= MAX_BLKSIZE) {
    out.blksize = Math.min(blksize, defaults.maxBlksize);
    out.acknowledged.push(['blksize', String(out.blksize)]);
  }
  const timeout = integer(options.get('timeout'));
  if (timeout !== undefined && timeout >= 1 && timeout <= 255) {
    out.timeoutMs = timeout * 1000;
    out.acknowledged.push(['timeout', String(timeout)]);
  }
  if (integer(options.get('tsize')) !== undefined) out.acknowledged.push(['tsize', String(size)]);
  return out;
}

const opcode = (op: number, size: number): Buffer => {
  const b = Buffer.alloc(2 + size);
  b.writeUInt16BE(op, 0);
  return b;
};

/** A DATA packet; `block` is taken modulo 65536 (block numbers roll over to 0). */
export function dataPacket(block: number, payload: Buffer): Buffer {
  const b = opcode(Opcode.DATA, 2 + payload.length);
  b.writeUInt16BE(block & 0xffff, 2);
  payload.copy(b, 4);
  return b;
}

/** An ERROR packet with its message (ASCII, at most 200 characters). */
export function errorPacket(code: TftpErrorCodeValue, message: string): Buffer {
  const text = Buffer.from(message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200), 'latin1');
  const b = opcode(Opcode.ERROR, 2 + text.length + 1);
  b.writeUInt16BE(code, 2);
  text.copy(b, 4);
  return b;
}

/** An OACK packet with the acknowledged option pairs. */
export function oackPacket(pairs: Array<[string, string]>): Buffer {
  const body = Buffer.from(pairs.flatMap(([k, v]) => [k, v]).map((s) => `${s}\0`).join(''), 'latin1');
  const b = opcode(Opcode.OACK, body.length);
  body.copy(b, 2);
  return b;
}

/** The message of an ERROR packet a client sent (for the log). */
export function errorMessageOf(msg: Buffer): string {
  const end = msg.indexOf(0, 4);
  return `code ${msg.length >= 4 ? msg.readUInt16BE(2) : '?'}: ${msg.subarray(4, end < 0 ? undefined : end).toString('latin1').replace(/[^\x20-\x7e]/g, '?')}`;
}

/** A file's bytes in netascii (RFC 1350 / Telnet NVT): LF becomes CR LF, a bare CR becomes CR NUL. */
export function toNetascii(bytes: Buffer): Buffer {
  let extra = 0;
  for (const c of bytes) if (c === 0x0a || c === 0x0d) extra++;
  const out = Buffer.alloc(bytes.length + extra);
  let j = 0;
  for (const c of bytes) {
    if (c === 0x0a) {
      out[j++] = 0x0d;
      out[j++] = 0x0a;
    } else if (c === 0x0d) {
      out[j++] = 0x0d;
      out[j++] = 0x00;
    } else out[j++] = c;
  }
  return out;
}
