import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { parseVersion } from '../config/versions.js';
import { NkdError } from '../ui/errors.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;
type RsaHashedKeyAlgorithm = webcrypto.RsaHashedKeyAlgorithm;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;

const subtle = webcrypto.subtle;

/** Key algorithm of generated keys (spec.certificates.keyType). */
export type KeyType = 'rsa-2048' | 'ecdsa-p256';

/**
 * The key type of a cluster whose file sets none: ECDSA P-256 from Kubernetes 1.31, where
 * kubeadm's v1beta4 `encryptionAlgorithm: ECDSA-P256` makes the node's own keys ECDSA too;
 * RSA-2048 below, since kubeadm before 1.31 makes only RSA keys (docs/adr/0403).
 */
export function defaultKeyType(kubernetesVersion: string): KeyType {
  const v = parseVersion(kubernetesVersion);
  return v && v.major === 1 && v.minor < 31 ? 'rsa-2048' : 'ecdsa-p256';
}

/** A private key with its public half, as WebCrypto keys (for signing) and PEM (for files). */
export interface KeyPair {
  /** rsa or ec, whatever the size: user-supplied CA keys may differ from keyType. */
  algorithm: 'rsa' | 'ec';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** PKCS#8 PEM ("PRIVATE KEY"), what kubeadm and the API server read. */
  privatePem: string;
  /** SPKI PEM ("PUBLIC KEY"). */
  publicPem: string;
  /** DER SubjectPublicKeyInfo, for key identifiers and discovery hashes. */
  spki: Buffer;
}

/** Makes (or, in tests, looks up) the key pair of one named key, e.g. "pki/ca". */
export type KeySource = (name: string, type: KeyType) => Promise<KeyPair>;

const RSA_SIGN = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** PEM of DER bytes, 64 characters a line, with a final newline. */
export function pem(label: string, der: ArrayBuffer | Buffer): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** The WebCrypto algorithm for importing a key of this kind. */
function importAlgorithm(algorithm: 'rsa' | 'ec', curve?: string): RsaHashedImportParams | EcKeyImportParams {
  if (algorithm === 'rsa') return RSA_SIGN;
  const namedCurve = curve === 'secp384r1' ? 'P-384' : 'P-256';
  return { name: 'ECDSA', namedCurve };
}

/** Generates a fresh key pair (WebCrypto: runs on libuv's thread pool, so calls overlap). */
export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const params =
    type === 'rsa-2048'
      ? { ...RSA_SIGN, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  const pair = (await subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const [pkcs8, spki] = await Promise.all([subtle.exportKey('pkcs8', pair.privateKey), subtle.exportKey('spki', pair.publicKey)]);
  return {
    algorithm: type === 'rsa-2048' ? 'rsa' : 'ec',
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    privatePem: pem('PRIVATE KEY', pkcs8),
    publicPem: pem('PUBLIC KEY', spki),
    spki: Buffer.from(spki),
  };
}

/** An RSA key pair from its DER halves (PKCS#8 private, SPKI public), as made by another process. */
export async function rsaKeyPairFromDer(pkcs8: Buffer, spki: Buffer): Promise<KeyPair> {
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8, RSA_SIGN, true, ['sign']),
    subtle.importKey('spki', spki, RSA_SIGN, true, ['verify']),
  ]);
  return { algorithm: 'rsa', privateKey, publicKey, privatePem: pem('PRIVATE KEY', pkcs8), publicPem: pem('PUBLIC KEY', spki), spki };
}

/** The default key source: a fresh key for every name. */
export const freshKeys: KeySource = (_name, type) => generateKeyPair(type);

/**
 * Reads a private key PEM (PKCS#8, PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY").
 * `what` names the file in the error.
 */
export async function keyPairFromPem(text: string, what: string): Promise<KeyPair> {
  let priv;
  try {
    priv = createPrivateKey(text);
  } catch (e) {
    throw new NkdError(`${what}: not a PEM private key (${(e as Error).message})`, { hint: 'supply an unencrypted RSA or ECDSA private key in PEM' });
  }
  const kind = priv.asymmetricKeyType;
  if (kind !== 'rsa' && kind !== 'ec') {
    throw new NkdError(`${what}: unsupported key type ${String(kind)}`, { hint: 'use an RSA or ECDSA (P-256/P-384) key' });
  }
  const curve = priv.asymmetricKeyDetails?.namedCurve;
  const alg = importAlgorithm(kind, curve);
  const pkcs8 = priv.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8, alg, true, ['sign']),
    subtle.importKey('spki', spki, alg, true, ['verify']),
  ]);
  return { algorithm: kind, privateKey, publicKey, privatePem: pem('PRIVATE KEY', pkcs8), publicPem: pem('PUBLIC KEY', spki), spki };
}

/** The KeyType a key pair corresponds to, or undefined when it is neither default kind. */
export function keyTypeOf(key: KeyPair): KeyType | undefined {
  if (key.algorithm === 'ec') return (key.privateKey.algorithm as EcKeyAlgorithm).namedCurve === 'P-256' ? 'ecdsa-p256' : undefined;
  return (key.privateKey.algorithm as RsaHashedKeyAlgorithm).modulusLength === 2048 ? 'rsa-2048' : undefined;
}
