import type { Random } from './random.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number, random: Random): string {
  let out = '';
  while (out.length < length) {
    for (const b of random(length * 2)) {
      // 252 = 7 * 36: rejecting bytes above keeps every character equally likely.
      if (b < 252 && out.length < length) out += ALPHABET[b % 36];
    }
  }
  return out;
}

/** A kubeadm bootstrap token "<6 chars>.<16 chars>" of [a-z0-9]. */
export function newBootstrapToken(random: Random): string {
  return `${randomString(6, random)}.${randomString(16, random)}`;
}

/** True for a well-formed bootstrap token. */
export function isBootstrapToken(s: string): boolean {
  return /^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(s);
}
