import { createHash, KeyObject, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { bits, bool, children, ctx, dirString, namedBits, nul, octets, oid, oidString, readTime, readTlv, seq, set, time, uint } from './der.js';
import { pem, type KeyPair } from './keys.js';
import { serialNumber, type Random } from './random.js';
import { NkdError } from '../ui/errors.js';

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

/** The parts of a certificate render uses, read from its DER. */
export interface Certificate {
  /** The whole certificate (DER). */
  raw: Buffer;
  /** Its SubjectPublicKeyInfo (DER). */
  spki: Buffer;
  /** Its subject Name (DER), the issuer of what it signs. */
  subject: Buffer;
  notAfter: Date;
  /** basicConstraints CA:TRUE. */
  ca: boolean;
  /** Its subjectKeyIdentifier, if it has one. */
  subjectKeyId?: Buffer;
}

/** A certificate with its key. */
export interface CertAndKey {
  cert: Certificate;
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

const OID = {
  cn: '2.5.4.3',
  o: '2.5.4.10',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
  eku: '2.5.29.37',
  san: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
};
/** keyUsage bits (RFC 5280 4.2.1.3). */
const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5 };

function seconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** O=… RDNs then CN, each its own RDN (kubeadm's and the former x509 library's order). */
function name(spec: CertSpec): Buffer {
  const rdn = (type: string, value: string) => set(seq(oid(type), dirString(value)));
  return seq(...(spec.organizations ?? []).map((o) => rdn(OID.o, o)), rdn(OID.cn, spec.commonName));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function extendedUsages(usage: CertSpec['usage']): Buffer {
  const ids = usage === 'server' ? [OID.serverAuth] : usage === 'client' ? [OID.clientAuth] : [OID.serverAuth, OID.clientAuth];
  return seq(...ids.map(oid));
}

function altNames(spec: CertSpec): Buffer[] {
  const names = [
    ...(spec.dnsNames ?? []).map((d) => ctx(2, false, Buffer.from(d, 'ascii'))),
    ...(spec.ips ?? []).map((ip) => ctx(7, false, ipBytes(ip))),
  ];
  return names.length ? [extension(OID.san, false, seq(...names))] : [];
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = ip.includes('::') ? groups(tail) : [];
  const all = [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

/** The signature algorithm of a signing key: SHA-256 (SHA-384 for a P-384 CA key). */
function signatureAlgorithm(key: KeyPair): { hash: string; id: Buffer } {
  if (key.algorithm === 'rsa') return { hash: 'sha256', id: seq(oid(OID.sha256WithRSA), nul()) };
  const curve = (key.privateKey.algorithm as { namedCurve?: string }).namedCurve;
  return curve === 'P-384' ? { hash: 'sha384', id: seq(oid(OID.ecdsaSha384)) } : { hash: 'sha256', id: seq(oid(OID.ecdsaSha256)) };
}

function keyIdOf(key: KeyPair): Buffer {
  return createHash('sha1').update(key.spki).digest();
}

/** Signs a TBSCertificate and returns the certificate with its PEM. */
function signed(tbsFields: Buffer[], signer: KeyPair, alg: Buffer, hash: string, key: KeyPair): CertAndKey {
  const tbs = seq(...tbsFields);
  const signature = sign(hash, tbs, KeyObject.from(signer.privateKey));
  const der = seq(tbs, alg, bits(signature));
  return { cert: readCertificate(der), certPem: pem('CERTIFICATE', der), key };
}

/** A self-signed CA certificate in kubeadm's shape (CA:TRUE, certSign, subject key id). */
export function selfSignedCA(spec: CertSpec, key: KeyPair, env: IssueEnv): Promise<CertAndKey> {
  const { hash, id } = signatureAlgorithm(key);
  const subject = name(spec);
  const fields = [
    ctx(0, true, uint(Buffer.from([2]))),
    uint(Buffer.from(serialNumber(env.random), 'hex')),
    id,
    subject,
    seq(time(seconds(env.now.getTime() - BACKDATE_MS)), time(seconds(env.now.getTime() + spec.validityDays * DAY_MS))),
    subject,
    key.spki,
    ctx(3, true, seq(
      extension(OID.keyUsage, true, namedBits([KU.digitalSignature, KU.keyEncipherment, KU.keyCertSign])),
      extension(OID.basicConstraints, true, seq(bool(true))),
      extension(OID.ski, false, octets(keyIdOf(key))),
    )),
  ];
  return Promise.resolve(signed(fields, key, id, hash, key));
}

/** A leaf certificate signed by `ca`; never outlives the CA. */
export function issueCert(spec: CertSpec, key: KeyPair, ca: CertAndKey, env: IssueEnv): Promise<CertAndKey> {
  const { hash, id } = signatureAlgorithm(ca.key);
  const notAfter = Math.min(env.now.getTime() + spec.validityDays * DAY_MS, ca.cert.notAfter.getTime());
  const usage = [KU.digitalSignature, ...(key.algorithm === 'rsa' ? [KU.keyEncipherment] : [])];
  const fields = [
    ctx(0, true, uint(Buffer.from([2]))),
    uint(Buffer.from(serialNumber(env.random), 'hex')),
    id,
    ca.cert.subject,
    seq(time(seconds(env.now.getTime() - BACKDATE_MS)), time(seconds(notAfter))),
    name(spec),
    key.spki,
    ctx(3, true, seq(
      extension(OID.keyUsage, true, namedBits(usage)),
      extension(OID.eku, false, extendedUsages(spec.usage)),
      extension(OID.basicConstraints, true, seq()),
      extension(OID.aki, false, seq(ctx(0, false, ca.cert.subjectKeyId ?? keyIdOf(ca.key)))),
      ...altNames(spec),
    )),
  ];
  return Promise.resolve(signed(fields, ca.key, id, hash, key));
}

/** Reads the parts render uses from a certificate's DER; throws on anything else. */
function readCertificate(der: Buffer): Certificate {
  const [tbs] = children(readTlv(der).content);
  const f = children(tbs!.content);
  const at = f[0]?.tag === 0xa0 ? 1 : 0;
  const [, , , validity, subject, spki] = f.slice(at);
  if (!validity || !subject || !spki) throw new Error('not an X.509 certificate');
  let ca = false;
  let subjectKeyId: Buffer | undefined;
  const exts = f.find((t) => t.tag === 0xa3);
  for (const e of exts ? children(readTlv(exts.content).content) : []) {
    const parts = children(e.content);
    const value = parts[parts.length - 1]!.content;
    const id = oidString(parts[0]!.content);
    if (id === OID.basicConstraints) ca = children(readTlv(value).content)[0]?.content[0] === 0xff;
    if (id === OID.ski) subjectKeyId = Buffer.from(readTlv(value).content);
  }
  return { raw: Buffer.from(der), spki: Buffer.from(spki.whole), subject: Buffer.from(subject.whole), notAfter: readTime(children(validity.content)[1]!), ca, ...(subjectKeyId ? { subjectKeyId } : {}) };
}

/** Parses a PEM certificate; `what` names the file in the error. */
export function parseCert(text: string, what: string): Certificate {
  try {
    return readCertificate(new X509Certificate(text).raw);
  } catch (e) {
    throw new NkdError(`${what}: not a PEM certificate (${(e as Error).message})`, { hint: 'restore the file or supply a PEM certificate' });
  }
}

/** True when the certificate carries this key's public half. */
export function certMatchesKey(cert: Certificate, key: KeyPair): boolean {
  return cert.spki.equals(key.spki);
}

/** True when the certificate is a CA (basicConstraints CA:TRUE). */
export function isCA(cert: Certificate): boolean {
  return cert.ca;
}

/** kubeadm's discovery pin: "sha256:" + SHA-256 of the CA's SubjectPublicKeyInfo. */
export function caCertHash(ca: Certificate): string {
  return 'sha256:' + createHash('sha256').update(ca.spki).digest('hex');
}
