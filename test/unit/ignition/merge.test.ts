import { mergeIgnition } from '../../../pkg/ignition/merge.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';

describe('mergeIgnition', () => {
  const base: IgnitionConfig = {
    ignition: { version: '3.2.0' },
    storage: { files: [{ path: '/etc/a', mode: 0o644 }, { path: '/etc/b', mode: 0o644 }] },
    systemd: { units: [{ name: 'x.service', enabled: true, dropins: [{ name: '10-a.conf', contents: 'A' }] }] },
    passwd: { users: [{ name: 'nest', sshAuthorizedKeys: ['k1'] }] },
  };

  test('replaces files with the same path and appends new ones', () => {
    const out = mergeIgnition(base, { storage: { files: [{ path: '/etc/b', mode: 0o600 }, { path: '/etc/c' }] } });
    expect(out.storage!.files).toEqual([{ path: '/etc/a', mode: 0o644 }, { path: '/etc/b', mode: 0o600 }, { path: '/etc/c' }]);
  });

  test('merges units by name and their drop-ins by name', () => {
    const out = mergeIgnition(base, { systemd: { units: [{ name: 'x.service', dropins: [{ name: '10-a.conf', contents: 'B' }, { name: '20-b.conf', contents: 'C' }] }] } });
    expect(out.systemd!.units).toEqual([{ name: 'x.service', enabled: true, dropins: [{ name: '10-a.conf', contents: 'B' }, { name: '20-b.conf', contents: 'C' }] }]);
  });

  test('merges users by name, the overlay winning', () => {
    const out = mergeIgnition(base, { passwd: { users: [{ name: 'nest', passwordHash: '$6$x' }] } });
    expect(out.passwd!.users).toEqual([{ name: 'nest', sshAuthorizedKeys: ['k1'], passwordHash: '$6$x' }]);
  });

  test('keeps the base version and leaves both inputs untouched', () => {
    const before = JSON.stringify(base);
    const out = mergeIgnition(base, { ignition: { version: '3.4.0' }, storage: { files: [{ path: '/etc/z' }] } });
    expect(out.ignition.version).toBe('3.2.0');
    expect(JSON.stringify(base)).toBe(before);
  });
});
