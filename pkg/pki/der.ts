/**
 * The little DER (X.690) an X.509 certificate needs: encoders for the types kubeadm's
 * certificates use, and a reader that walks TLVs. Encoding is canonical (DER), so the same
 * certificate fields give the same bytes.
 */

/** A DER length. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** SEQUENCE. */
export const seq = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
/** SET (of one element each here: DER's sorting never matters). */
export const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
/** NULL. */
export const nul = (): Buffer => Buffer.from([0x05, 0x00]);
/** BOOLEAN. */
export const bool = (v: boolean): Buffer => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
/** OCTET STRING. */
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
/** Context-specific tag `n`, constructed (EXPLICIT) or primitive (IMPLICIT). */
export const ctx = (n: number, constructed: boolean, ...content: Buffer[]): Buffer => tlv((constructed ? 0xa0 : 0x80) | n, ...content);

/** INTEGER from unsigned big-endian bytes (a leading zero added when the high bit is set). */
export function uint(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  return tlv(0x02, (b[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** BIT STRING of whole bytes (no unused bits). */
export const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.from([0]), b);

/** BIT STRING of a named-bit list (bit 0 is the first), minimal as DER requires. */
export function namedBits(on: number[]): Buffer {
  if (on.length === 0) return Buffer.from([0x03, 0x01, 0x00]);
  const top = Math.max(...on);
  const bytes = Buffer.alloc(Math.floor(top / 8) + 1);
  for (const i of on) bytes[Math.floor(i / 8)]! |= 0x80 >> (i % 8);
  return tlv(0x03, Buffer.from([7 - (top % 8)]), bytes);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A directory string: PrintableString where its alphabet allows, else UTF8String. */
export const dirString = (s: string): Buffer => tlv(PRINTABLE.test(s) ? 0x13 : 0x0c, Buffer.from(s, 'utf8'));

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5), whole seconds, Z. */
export function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:T]/g, '');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

/** One TLV as read: its tag, the whole encoding and its contents. */
export interface Tlv {
  tag: number;
  whole: Buffer;
  content: Buffer;
}

/** Reads the TLV at `offset` of `buf`. Throws on truncated or indefinite-length input. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  const tag = buf[offset];
  let len = buf[offset + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated DER');
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[offset + 2 + i] ?? NaN);
    head += n;
  }
  const end = offset + head + len;
  if (!Number.isFinite(len) || end > buf.length) throw new Error('truncated DER');
  return { tag, whole: buf.subarray(offset, end), content: buf.subarray(offset + head, end) };
}

/** The TLVs inside a constructed value, in order. */
export function children(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; ) {
    const t = readTlv(content, at);
    out.push(t);
    at += t.whole.length;
  }
  return out;
}

/** Dotted form of an OBJECT IDENTIFIER's contents. */
export function oidString(content: Buffer): string {
  const first = content[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let v = 0;
  for (const b of content.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** A UTCTime or GeneralizedTime's contents as a Date. */
export function readTime(t: Tlv): Date {
  const s = t.content.toString('ascii');
  const full = t.tag === 0x17 ? (Number(s.slice(0, 2)) < 50 ? '20' : '19') + s : s;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  if (!m) throw new Error(`unsupported time ${s}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
