import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../pkg/paths.js';
import { generateKeyPair, keyPairFromPem, type KeyPair, type KeySource } from '../../pkg/pki/keys.js';
import { seededRandom, type Random } from '../../pkg/pki/random.js';

/** The fixed clock of golden renders. */
export const GOLDEN_NOW = new Date('2026-01-01T00:00:00Z');

// From the package root: the compiled copy (dist/test/golden) has no keys.json next to it.
const keysFile = join(packageRoot(), 'test', 'golden', 'keys.json');
let pems: Record<string, string> | undefined;
const cache = new Map<string, Promise<KeyPair>>();

const ecdsa = new Map<string, Promise<KeyPair>>();

/**
 * Fixed RSA-2048 keys by key name (test/golden/keys.json, made by hack/gen-render-keys.sh):
 * renders with them are byte-stable and skip the slow key generation. ECDSA P-256 keys are
 * generated (about a millisecond each), one per name per process: ECDSA signatures are
 * randomized, so an ECDSA render is never byte-stable anyway and golden fixtures set RSA.
 */
export const fixtureKeys: KeySource = (name, type) => {
  if (type === 'ecdsa-p256') {
    let k = ecdsa.get(name);
    if (!k) ecdsa.set(name, (k = generateKeyPair(type)));
    return k;
  }
  pems ??= JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, string>;
  const pem = pems[name];
  if (!pem) throw new Error(`no fixture key "${name}" in test/golden/keys.json; add the name to hack/gen-render-keys.sh and run it`);
  let p = cache.get(name);
  if (!p) cache.set(name, (p = keyPairFromPem(pem, name)));
  return p;
};

/** A seeded random stream per asset name: deterministic even when assets run concurrently. */
export function goldenRandom(seed = 'golden'): (stream: string) => Random {
  return (stream) => seededRandom(`${seed}/${stream}`);
}

/** The render dependencies that make output byte-stable: a fixed clock, fixture keys, seeded randomness. */
export function goldenRenderDeps(seed = 'golden'): { now: Date; keys: KeySource; random: (stream: string) => Random } {
  return { now: GOLDEN_NOW, keys: fixtureKeys, random: goldenRandom(seed) };
}
