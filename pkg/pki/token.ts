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

/** A Go-style duration of the cluster file ("24h", "90m", "3600s") in milliseconds. */
export function durationMs(ttl: string): number {
  const m = /^([0-9]+)(h|m|s)$/.exec(ttl);
  if (!m) throw new Error(`internal: bootstrap token ttl "${ttl}" is not <n>h|m|s (the schema checks it)`);
  return Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'm' | 's'];
}

/** The kube-system Secret that makes a bootstrap token valid (what `kubeadm token create` writes). */
export interface BootstrapTokenSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: 'kube-system' };
  type: 'bootstrap.kubernetes.io/token';
  stringData: Record<string, string>;
}

/**
 * The Secret to apply when a token must be (re)created in a running cluster, e.g. by extend
 * after rotateBootstrapToken: the token nkd rendered, valid for `ttl` from `now`.
 */
export function bootstrapTokenSecret(token: string, ttl: string, now: Date, description = 'nkd: join token'): BootstrapTokenSecret {
  const [id, secret] = token.split('.') as [string, string];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      description,
      'token-id': id,
      'token-secret': secret,
      expiration: new Date(now.getTime() + durationMs(ttl)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    },
  };
}
