/**
 * OpenSSH's public-key wire format, the little of it nkd needs in several packages (render
 * makes host keys, providers pin them): the key blob of a public key line and OpenSSH's
 * SHA256 fingerprint of a blob.
 */
import { createHash } from 'node:crypto';

/** The key blob of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`). */
export const publicKeyBlob = (line: string): Buffer => Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64');

/** OpenSSH's fingerprint of a key blob: `SHA256:<base64 without padding>`. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
