/**
 * A key-generation child process (forked by keygen-process.ts): answers each message
 * `{ id }` with a new RSA-2048 key pair as DER (PKCS#8 and SPKI, base64). A process, not a
 * thread, so that an interrupted render can kill a generation in the middle (docs/adr/0403).
 */
import { generateKeyPairSync } from 'node:crypto';

process.on('message', (m: { id: number }) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  process.send?.({ id: m.id, pkcs8: privateKey.toString('base64'), spki: publicKey.toString('base64') });
});
// Nothing else keeps the process alive: it ends when the parent disconnects or kills it.
