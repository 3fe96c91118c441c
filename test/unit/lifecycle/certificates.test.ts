import '../../helpers/reflect-metadata.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateExpiry } from '../../../pkg/lifecycle/status.js';

async function selfSigned(cn: string, days: number): Promise<string> {
  const x509 = await import('@peculiar/x509');
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: `CN=${cn}`, notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000), keys, signingAlgorithm: alg,
  });
  return cert.toString('pem');
}

describe('certificate expiry for nkd status', () => {
  it('lists every certificate under pki/ with days left, soonest first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nkd-certs-'));
    try {
      await mkdir(join(dir, 'pki', 'etcd'), { recursive: true });
      await writeFile(join(dir, 'pki', 'ca.crt'), await selfSigned('kubernetes', 3650));
      await writeFile(join(dir, 'pki', 'etcd', 'server.crt'), await selfSigned('etcd-server', 365));
      await writeFile(join(dir, 'pki', 'ca.key'), 'not listed');
      const out = await certificateExpiry(dir, new Date('2026-01-11T00:00:00Z'));
      expect(out).toEqual([
        { file: 'pki/etcd/server.crt', subject: 'CN=etcd-server', notAfter: '2027-01-01T00:00:00.000Z', daysLeft: 355 },
        { file: 'pki/ca.crt', subject: 'CN=kubernetes', notAfter: expect.stringMatching(/^2035-12-30/), daysLeft: 3640 },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
