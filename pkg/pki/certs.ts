import './reflect-metadata.js';
import type * as X509 from '@peculiar/x509';
import { createHash, webcrypto } from 'node:crypto';
import { signingAlgorithm, type KeyPair } from './keys.js';
import { serialNumber, type Random } from './random.js';
import { NkdError } from '../ui/errors.js';

// Loaded after the Reflect polyfill has run (a static import may be linked before it).
const x509: typeof X509 = await import('@peculiar/x509');
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** What a certificate says: subject, usage, names and lifetime. */
export interface CertSpec {
  commonName: string;
  organizations?: string[];
  /** ca: a signing CA; server/client/peer (server + client) leaf certificates. */
  usage: 'ca' | 'server' | 'client' | 'peer';
  dnsNames?: string[];
  ips?: string[];
  validityDays: number;
}

/** A certificate with its key. */
export interface CertAndKey {
  cert: X509.X509Certificate;
  /** The certificate as PEM ("CERTIFICATE"). */
  certPem: string;
  key: KeyPair;
}

/** Clock and randomness of certificate generation (injected, see DESIGN.md). */
export interface IssueEnv {
  now: Date;
  random: Random;
}

/** kubeadm backdates certificates so that small clock skew between hosts does not matter. */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function seconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function subject(spec: CertSpec): X509.JsonName {
  return [...(spec.organizations ?? []).map((o) => ({ O: [o] })), { CN: [spec.commonName] }];
}

function extendedUsages(usage: CertSpec['usage']): string[] {
  if (usage === 'server') return [x509.ExtendedKeyUsage.serverAuth];
  if (usage === 'client') return [x509.ExtendedKeyUsage.clientAuth];
  return [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
}

function keyIdOf(key: KeyPair): string {
  return createHash('sha1').update(key.spki).digest('hex');
}

/** A self-signed CA certificate in kubeadm's shape (CA:TRUE, certSign, subject key id). */
export async function selfSignedCA(spec: CertSpec, key: KeyPair, env: IssueEnv): Promise<CertAndKey> {
  const notBefore = seconds(env.now.getTime() - BACKDATE_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(env.random),
    subject: subject(spec),
    issuer: subject(spec),
    notBefore,
    notAfter: seconds(env.now.getTime() + spec.validityDays * DAY_MS),
    publicKey: key.publicKey,
    signingKey: key.privateKey,
    signingAlgorithm: signingAlgorithm(key),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectKeyIdentifierExtension(keyIdOf(key)),
    ],
  });
  return { cert, certPem: cert.toString('pem') + '\n', key };
}

/** A leaf certificate signed by `ca`; never outlives the CA. */
export async function issueCert(spec: CertSpec, key: KeyPair, ca: CertAndKey, env: IssueEnv): Promise<CertAndKey> {
  const names: X509.JsonGeneralName[] = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? keyIdOf(ca.key);
  const notAfter = Math.min(env.now.getTime() + spec.validityDays * DAY_MS, ca.cert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(env.random),
    subject: subject(spec),
    issuer: ca.cert.subjectName,
    notBefore: seconds(env.now.getTime() - BACKDATE_MS),
    notAfter: seconds(notAfter),
    publicKey: key.publicKey,
    signingKey: ca.key.privateKey,
    signingAlgorithm: signingAlgorithm(ca.key),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (key.algorithm === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      new x509.ExtendedKeyUsageExtension(extendedUsages(spec.usage)),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.AuthorityKeyIdentifierExtension(caSki),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { cert, certPem: cert.toString('pem') + '\n', key };
}

/** Parses a PEM certificate; `what` names the file in the error. */
export function parseCert(pem: string, what: string): X509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (e) {
    throw new NkdError(`${what}: not a PEM certificate (${(e as Error).message})`, { hint: 'restore the file or supply a PEM certificate' });
  }
}

/** True when the certificate carries this key's public half. */
export function certMatchesKey(cert: X509.X509Certificate, key: KeyPair): boolean {
  return Buffer.from(cert.publicKey.rawData).equals(key.spki);
}

/** True when the certificate is a CA (basicConstraints CA:TRUE). */
export function isCA(cert: X509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** kubeadm's discovery pin: "sha256:" + SHA-256 of the CA's SubjectPublicKeyInfo. */
export function caCertHash(ca: X509.X509Certificate): string {
  return 'sha256:' + createHash('sha256').update(Buffer.from(ca.publicKey.rawData)).digest('hex');
}
