/** IPv4 addresses and CIDR networks as 32-bit numbers. nkd's node networks are IPv4. */

/** A parsed IPv4 network. */
export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  /** Prefix length, 0–32. */
  prefix: number;
  /** The text it was parsed from. */
  text: string;
}

/** Parses a dotted-quad IPv4 address (no leading zeros); undefined when malformed. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Formats an unsigned 32-bit number as a dotted quad. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses "a.b.c.d/len"; returns a reason string when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | string {
  const m = /^([^/]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return 'must be an IPv4 network like 10.96.0.0/12 (IPv6 is not supported)';
  const ip = parseIPv4(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined) return `"${m[1]}" is not an IPv4 address (IPv6 is not supported)`;
  if (prefix > 32) return `prefix length ${prefix} is more than 32`;
  const base = ip & mask(prefix);
  if (base >>> 0 !== ip) return `host bits are set; the network address is ${formatIPv4(base >>> 0)}/${prefix}`;
  return { base: base >>> 0, prefix, text };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

/** Number of addresses in a network. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Whether an address lies in a network. */
export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

/** Whether two networks share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The n-th address of a network (0 is the network address). */
export function nthAddress(c: Cidr, n: number): number {
  return (c.base + n) >>> 0;
}
