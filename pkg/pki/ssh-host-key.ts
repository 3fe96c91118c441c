/**
 * SSH host keys nkd makes for a node, so it can pin the key when it connects instead of
 * trusting the first key a host presents: Ed25519, written in OpenSSH's own private-key format
 * (`openssh-key-v1`, unencrypted: the file is 0600 on the host and in the cluster directory)
 * that sshd reads, and the public key as an authorized_keys/known_hosts line. The key is made
 * from 32 random bytes (a seeded source makes golden files reproducible).
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { sshFingerprint } from '../ssh-key-format.js';
import type { Random } from './random.js';

/** An Ed25519 SSH host key. */
export interface SshHostKey {
  /** OpenSSH private key file contents. */
  privateKey: string;
  /** `ssh-ed25519 <base64> <comment>`. */
  publicLine: string;
  /** OpenSSH's fingerprint: `SHA256:<base64 without padding>`. */
  fingerprint: string;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const TYPE = 'ssh-ed25519';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (b: Buffer | string): Buffer => {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([u32(buf.length), buf]);
};

/** The public key blob of an Ed25519 key (SSH wire format). */
const publicBlob = (pub: Buffer): Buffer => Buffer.concat([sshString(TYPE), sshString(pub)]);

/** The 32-byte public key of an Ed25519 seed. */
function publicOf(seed: Buffer): Buffer {
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}


/** The seed of an Ed25519 key in an OpenSSH private key file this module wrote (for reuse). */
export function seedOf(privateKey: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(privateKey);
  if (!m) return undefined;
  const raw = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  let at = 'openssh-key-v1\0'.length;
  const next = (): Buffer => {
    const n = raw.readUInt32BE(at);
    const v = raw.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return v;
  };
  try {
    if (raw.subarray(0, at).toString('latin1') !== 'openssh-key-v1\0') return undefined;
    if (next().toString() !== 'none' || next().toString() !== 'none') return undefined;
    next(); // kdf options
    if (raw.readUInt32BE(at) !== 1) return undefined;
    at += 4;
    next(); // public blob
    const priv = next();
    let p = 8; // two check integers
    const field = (): Buffer => {
      const n = priv.readUInt32BE(p);
      const v = priv.subarray(p + 4, p + 4 + n);
      p += 4 + n;
      return v;
    };
    if (field().toString() !== TYPE) return undefined;
    field(); // public key
    const secret = field();
    return secret.length === 64 ? Buffer.from(secret.subarray(0, 32)) : undefined;
  } catch {
    return undefined;
  }
}

/** The host key of a 32-byte seed, with `comment` on the public line and in the private file. */
export function sshHostKeyFromSeed(seed: Buffer, comment: string): SshHostKey {
  if (seed.length !== 32) throw new Error('internal: an Ed25519 seed is 32 bytes');
  const pub = publicOf(seed);
  const blob = publicBlob(pub);
  // the check integer only tells a wrong passphrase; derived from the key so output is stable
  const check = createHash('sha256').update(seed).digest().subarray(0, 4);
  let body = Buffer.concat([check, check, sshString(TYPE), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad: number[] = [];
  for (let i = 1; (body.length + pad.length) % 8 !== 0; i++) pad.push(i);
  body = Buffer.concat([body, Buffer.from(pad)]);
  const file = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), sshString('none'), sshString('none'), sshString(''), u32(1), sshString(blob), sshString(body)]);
  const b64 = file.toString('base64').replace(/(.{70})/g, '$1\n').replace(/\n$/, '');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicLine: `${TYPE} ${blob.toString('base64')} ${comment}`,
    fingerprint: sshFingerprint(blob),
  };
}

/** A new host key from `random`. */
export function newSshHostKey(random: Random, comment: string): SshHostKey {
  return sshHostKeyFromSeed(Buffer.from(random(32)), comment);
}
