import { createHash, getRandomValues } from 'node:crypto';

/** A source of random bytes; injected so tests and golden files are deterministic. */
export type Random = (bytes: number) => Uint8Array;

/** The system's cryptographically secure random source. */
export const systemRandom: Random = (bytes) => getRandomValues(new Uint8Array(bytes));

/**
 * A deterministic random source for tests and golden files (SHA-256 in counter mode over a
 * seed). Never use it for real clusters.
 */
export function seededRandom(seed: string): Random {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (bytes) => {
    while (pool.length < bytes) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = new Uint8Array(pool.subarray(0, bytes));
    pool = pool.subarray(bytes);
    return out;
  };
}

/** A positive, non-zero 128-bit certificate serial number as hex. */
export function serialNumber(random: Random): string {
  const b = random(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}
