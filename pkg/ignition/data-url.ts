import { gzipSync } from 'node:zlib';
import type { Resource } from './types.js';

/** Bytes written literally in a percent-encoded data URL: RFC 3986 unreserved plus a few safe reserved ones. */
const LITERAL = new Set(Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()/:=@,", (c) => c.charCodeAt(0)));

const KEEP: Record<string, string> = { '%2F': '/', '%3A': ':', '%3D': '=', '%40': '@', '%2C': ',' };

/** Percent-encoded form: `data:,<bytes>`; readable in a diff, best for small text files. */
export function percentDataUrl(contents: string | Buffer): string {
  if (typeof contents === 'string') {
    try {
      // the native encoder escapes the same bytes as the loop below, minus the kept reserved ones
      return 'data:,' + encodeURIComponent(contents).replace(/%2F|%3A|%3D|%40|%2C/g, (m) => KEEP[m]!);
    } catch {
      // a lone surrogate: encode its UTF-8 replacement byte by byte
    }
  }
  const bytes = Buffer.from(contents);
  let out = 'data:,';
  for (const b of bytes) out += LITERAL.has(b) ? String.fromCharCode(b) : '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  return out;
}

/** Base64 form: `data:;base64,<b64>`. */
export function base64DataUrl(contents: string | Buffer): string {
  return 'data:;base64,' + Buffer.from(contents).toString('base64');
}

/** Gzip (level 9, no timestamp) then base64: for 3.1.0+ `compression: gzip`. */
export function gzipDataUrl(contents: string | Buffer): string {
  return 'data:;base64,' + gzipSync(Buffer.from(contents), { level: 9 }).toString('base64');
}

/** Options for {@link dataUrlResource}. */
export interface DataUrlOptions {
  /** Allow `compression: gzip` (every spec nkd writes supports it); default true. */
  compression?: boolean;
}

/**
 * The shortest inline resource for the contents: percent-encoded, base64, or gzip+base64
 * (chosen only when it pays off). Deterministic: same contents, same URL.
 */
export function dataUrlResource(contents: string | Buffer, opts: DataUrlOptions = {}): Resource {
  // Most files are the same on every node (units, scripts, runtime config): encode them once.
  // Keyed by the string itself (one map per compression choice), so a lookup allocates nothing.
  if (typeof contents !== 'string') return { ...shortest(contents, opts) };
  const memo = opts.compression === false ? plainMemo : gzipMemo;
  const hit = memo.get(contents);
  if (hit) {
    // least recently used goes first: per-node contents must not push out the shared ones
    memo.delete(contents);
    memo.set(contents, hit);
    return { ...hit };
  }
  const best = shortest(contents, opts);
  if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value!);
  memo.set(contents, best);
  return { ...best };
}

const MEMO_MAX = 4096;
const gzipMemo = new Map<string, Resource>();
const plainMemo = new Map<string, Resource>();

function shortest(contents: string | Buffer, opts: DataUrlOptions): Resource {
  const candidates: Resource[] = [{ source: percentDataUrl(contents) }, { source: base64DataUrl(contents) }];
  if (opts.compression !== false && Buffer.byteLength(contents) >= 128) {
    candidates.push({ source: gzipDataUrl(contents), compression: 'gzip' });
  }
  let best = candidates[0]!;
  for (const c of candidates) if (c.source!.length < best.source!.length) best = c;
  return best;
}

/** The bytes of a `data:` URL (RFC 2397), or an error message. */
export function decodeDataUrl(url: string): Buffer | string {
  const m = /^data:([^,]*),(.*)$/s.exec(url);
  if (!m) return 'not a data: URL';
  const [, meta, data] = m as unknown as [string, string, string];
  if (/;base64$/i.test(meta)) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return 'the base64 data is not valid base64';
    return Buffer.from(data, 'base64');
  }
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === '%') {
      const hex = data.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return `a bad percent escape at character ${i}`;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes);
}
