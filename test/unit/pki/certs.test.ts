import { createPublicKey, createHash, X509Certificate } from 'node:crypto';
import { caCertHash, certMatchesKey, isCA, issueCert, parseCert, selfSignedCA } from '../../../pkg/pki/certs.js';
import { generateKeyPair, keyPairFromPem, keyTypeOf } from '../../../pkg/pki/keys.js';
import { seededRandom, serialNumber } from '../../../pkg/pki/random.js';
import { isBootstrapToken, newBootstrapToken } from '../../../pkg/pki/token.js';
import { fixtureKeys, GOLDEN_NOW } from '../../golden/env.js';

const env = { now: GOLDEN_NOW, random: seededRandom('certs') };
const DAY = 86_400_000;

describe('certificates', () => {
  test('a CA is self-signed, CA:TRUE, and valid for its validity days from the clock (backdated 5 minutes)', async () => {
    const key = await fixtureKeys('pki/ca', 'rsa-2048');
    const ca = await selfSignedCA({ commonName: 'kubernetes', usage: 'ca', validityDays: 3650 }, key, env);
    const x = new X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.subject).toBe('CN=kubernetes');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(new Date(x.validFrom).getTime()).toBe(GOLDEN_NOW.getTime() - 5 * 60_000);
    expect(new Date(x.validTo).getTime()).toBe(GOLDEN_NOW.getTime() + 3650 * DAY);
  });

  test('a leaf is signed by its CA, carries its names and never outlives the CA', async () => {
    const ca = await selfSignedCA({ commonName: 'etcd-ca', usage: 'ca', validityDays: 10 }, await fixtureKeys('pki/etcd/ca', 'rsa-2048'), env);
    const leaf = await issueCert(
      { commonName: 'master-1', usage: 'peer', dnsNames: ['master-1', 'localhost'], ips: ['10.231.0.11', '127.0.0.1', '::1'], validityDays: 365 },
      await fixtureKeys('pki/nodes/master-1/etcd/peer', 'rsa-2048'), ca, env,
    );
    const x = new X509Certificate(leaf.certPem);
    expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(x.subjectAltName).toBe('DNS:master-1, DNS:localhost, IP Address:10.231.0.11, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x.ca).toBe(false);
    expect(x.validTo).toBe(new X509Certificate(ca.certPem).validTo);
  });

  test('organizations become O= entries before the CN', async () => {
    const ca = await selfSignedCA({ commonName: 'kubernetes', usage: 'ca', validityDays: 10 }, await fixtureKeys('pki/ca', 'rsa-2048'), env);
    const leaf = await issueCert({ commonName: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins'], usage: 'client', validityDays: 1 },
      await fixtureKeys('auth/admin.conf', 'rsa-2048'), ca, env);
    expect(new X509Certificate(leaf.certPem).subject).toBe('O=kubeadm:cluster-admins\nCN=kubernetes-admin');
  });

  test('ECDSA P-256 keys sign ECDSA certificates', async () => {
    const key = await generateKeyPair('ecdsa-p256');
    expect(keyTypeOf(key)).toBe('ecdsa-p256');
    expect(key.privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const ca = await selfSignedCA({ commonName: 'kubernetes', usage: 'ca', validityDays: 10 }, key, env);
    const x = new X509Certificate(ca.certPem);
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(x.verify(x.publicKey)).toBe(true);
  });

  test('an ECDSA CA signs ECDSA leaves (ecdsa-with-SHA256) that verify, with digitalSignature as their only key usage', async () => {
    const ca = await selfSignedCA({ commonName: 'kubernetes', usage: 'ca', validityDays: 10 }, await generateKeyPair('ecdsa-p256'), env);
    const leaf = await issueCert({ commonName: 'kube-apiserver', usage: 'server', dnsNames: ['kubernetes'], ips: ['10.96.0.1', 'fd00::1'], validityDays: 1 },
      await generateKeyPair('ecdsa-p256'), ca, env);
    const x = new X509Certificate(leaf.certPem);
    expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(x.subjectAltName).toBe('DNS:kubernetes, IP Address:10.96.0.1, IP Address:FD00:0:0:0:0:0:0:1');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // node's keyUsage is the extended key usage
    // keyUsage extension: critical, BIT STRING digitalSignature only (no keyEncipherment for EC keys)
    expect(x.raw.toString('hex')).toContain('0603551d0f0101ff04040302' + '0780');
    expect(x.toString()).toBe(leaf.certPem);
  });

  test('a certificate parsed back gives the fields leaves are issued from: subject, key id, expiry, CA flag', async () => {
    const key = await fixtureKeys('pki/ca', 'rsa-2048');
    const ca = await selfSignedCA({ commonName: 'kubernetes', usage: 'ca', validityDays: 10 }, key, env);
    const parsed = parseCert(ca.certPem, 'ca.crt');
    expect(parsed).toEqual(ca.cert);
    expect(parsed.notAfter.toISOString()).toBe(new Date(new X509Certificate(ca.certPem).validTo).toISOString());
    expect(parsed.subjectKeyId).toHaveLength(20);
    expect(parsed.ca).toBe(true);
  });

  test('a certificate matches only its own key', async () => {
    const a = await fixtureKeys('pki/ca', 'rsa-2048');
    const b = await fixtureKeys('pki/sa', 'rsa-2048');
    const ca = await selfSignedCA({ commonName: 'x', usage: 'ca', validityDays: 1 }, a, env);
    expect(certMatchesKey(parseCert(ca.certPem, 'x'), a)).toBe(true);
    expect(certMatchesKey(parseCert(ca.certPem, 'x'), b)).toBe(false);
    expect(isCA(ca.cert)).toBe(true);
  });

  test("caCertHash is kubeadm's pin: sha256 of the CA's SubjectPublicKeyInfo", async () => {
    const ca = await selfSignedCA({ commonName: 'x', usage: 'ca', validityDays: 1 }, await fixtureKeys('pki/ca', 'rsa-2048'), env);
    const spki = createPublicKey(ca.certPem).export({ type: 'spki', format: 'der' });
    expect(caCertHash(ca.cert)).toBe('sha256:' + createHash('sha256').update(spki).digest('hex'));
  });

  test('PKCS#1 "RSA PRIVATE KEY" files (user CAs) are read', async () => {
    const pkcs8 = (await fixtureKeys('pki/ca', 'rsa-2048')).privatePem;
    const { createPrivateKey } = await import('node:crypto');
    const pkcs1 = createPrivateKey(pkcs8).export({ type: 'pkcs1', format: 'pem' }).toString();
    const k = await keyPairFromPem(pkcs1, 'ca.key');
    expect(k.privatePem).toBe(pkcs8);
  });

  test('a file that is not a key is a usage error naming the file', async () => {
    await expect(keyPairFromPem('nope', 'spec.certificates.userCAs.kubernetes.key')).rejects.toThrow(/^spec\.certificates\.userCAs\.kubernetes\.key: not a PEM private key/);
  });
});

describe('randomness and tokens', () => {
  test('serial numbers are positive 128-bit values', () => {
    const r = seededRandom('s');
    for (let i = 0; i < 50; i++) {
      const s = serialNumber(r);
      expect(s).toMatch(/^[0-7][0-9a-f]{31}$/);
      expect(BigInt('0x' + s) > 0n).toBe(true);
    }
  });

  test('bootstrap tokens are "[a-z0-9]{6}.[a-z0-9]{16}" and deterministic for a seeded source', () => {
    const a = newBootstrapToken(seededRandom('t'));
    expect(isBootstrapToken(a)).toBe(true);
    expect(newBootstrapToken(seededRandom('t'))).toBe(a);
    expect(newBootstrapToken(seededRandom('u'))).not.toBe(a);
  });
});

describe('bootstrap token secret', () => {
  test("is kubeadm's kube-system Secret, expiring ttl after now", async () => {
    const { bootstrapTokenSecret, durationMs } = await import('../../../pkg/pki/token.js');
    expect(durationMs('24h')).toBe(86_400_000);
    expect(durationMs('90m')).toBe(5_400_000);
    const s = bootstrapTokenSecret('abcdef.0123456789abcdef', '2h', new Date('2026-01-01T00:00:00.500Z'));
    expect(s.metadata).toEqual({ name: 'bootstrap-token-abcdef', namespace: 'kube-system' });
    expect(s.type).toBe('bootstrap.kubernetes.io/token');
    expect(s.stringData).toMatchObject({ 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', expiration: '2026-01-01T02:00:00Z', 'usage-bootstrap-authentication': 'true' });
  });
});
