import { describe, expect, it } from '@jest/globals';
import { blobType, fingerprint, hostKeyAlgorithms, parseHostKey } from '../../../../pkg/infra/ssh/host-key.js';

// made with ssh-keygen; the fingerprints are what `ssh-keygen -lf` printed for them
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJepv8dryiS1XN4kOhaerjKy7p4EFRf6MGk0/VAU7eGl vector';
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCxpGF8wrP8FpD63UtiezFtG5eZe2w9TOWIcTa+9xnThpuVhS/2b8saHVu3xv7ykqJ3If79JHDAScc7umq57STDSAG1IZlPNiTjffOgi29wVFpaTRcZL1fxoXBdml68tNs9nArsos+MJ1z++/HGBwHpn0BxirgDaaj5H2Sa7C5ifQ== rsa';

describe('pinned host keys', () => {
  it('prints the fingerprint OpenSSH prints, for ed25519 and rsa keys', () => {
    expect(parseHostKey(ED25519, 'k').fingerprint).toBe('SHA256:lvIqqrBO5wE9RSeKXOFSJhkdhcPfbA/DXigsmqiF/KQ');
    expect(parseHostKey(RSA, 'k').fingerprint).toBe('SHA256:TL7/nfZxFGfeLlSqFXsa5F8WTlaL/cEDNmSW+Zdt+xs');
    expect(fingerprint(Buffer.from(''))).toBe('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('keeps the blob the server must present and reads its type, with or without a comment', () => {
    const k = parseHostKey('  ' + ED25519.replace(' vector', '') + '\n', 'k');
    expect(k.type).toBe('ssh-ed25519');
    expect(k.blob.toString('base64')).toBe(ED25519.split(' ')[1]);
    expect(blobType(k.blob)).toBe('ssh-ed25519');
    expect(blobType(Buffer.from([0, 0, 1]))).toBeUndefined();
  });

  it('offers the host-key algorithms of the pinned type only (rsa with SHA-2 first)', () => {
    expect(hostKeyAlgorithms(parseHostKey(ED25519, 'k'))).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithms(parseHostKey(RSA, 'k'))).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });

  it.each([
    ['', 'nodes[0].baremetal.sshHostKey: expected "<type> <base64 key> [comment]"'],
    ['AAAAC3NzaC1lZDI1NTE5AAAAIJepv8dryiS1XN4kOhaerjKy7p4EFRf6MGk0/VAU7eGl', 'nodes[0].baremetal.sshHostKey: expected "<type> <base64 key> [comment]"'],
    ['ssh-dss AAAA', 'nodes[0].baremetal.sshHostKey: unsupported key type "ssh-dss" (supported: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521)'],
    ['ssh-ed25519 not*base64', 'nodes[0].baremetal.sshHostKey: the key is not base64'],
    [`ssh-rsa ${ED25519.split(' ')[1]}`, 'nodes[0].baremetal.sshHostKey: the key says it is "ssh-ed25519" but the line says "ssh-rsa"'],
  ])('refuses %j, naming the field', (line, message) => {
    expect(() => parseHostKey(line, 'nodes[0].baremetal.sshHostKey')).toThrow(message);
  });
});
