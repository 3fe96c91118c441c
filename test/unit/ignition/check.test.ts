import { ignitionProblems } from '../../../pkg/ignition/check.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';

describe('ignitionProblems', () => {
  test('accepts a clean config', () => {
    expect(ignitionProblems({ ignition: { version: '3.2.0' }, storage: { files: [{ path: '/etc/a' }] }, systemd: { units: [{ name: 'a.service', dropins: [{ name: '1.conf', contents: '' }] }] } })).toEqual([]);
  });

  test('names every problem: relative and duplicate paths, unit and drop-in names, duplicate users', () => {
    const cfg = {
      ignition: { version: '3.9.0' },
      storage: { files: [{ path: 'etc/a' }, { path: '/etc/b' }], directories: [{ path: '/etc/b' }] },
      systemd: { units: [{ name: 'nounit', dropins: [{ name: 'x.txt', contents: '' }] }] },
      passwd: { users: [{ name: 'a' }, { name: 'a' }] },
    } as unknown as IgnitionConfig;
    expect(ignitionProblems(cfg)).toEqual([
      'ignition.version "3.9.0" is not one of 3.2.0, 3.3.0, 3.4.0',
      'storage.files[0].path "etc/a" is not a clean absolute path',
      'storage.directories[0].path "/etc/b" is also storage.files[1]',
      'systemd.units[0].name "nounit" is not a unit name',
      'systemd.units[0].dropins[0].name "x.txt" must end in .conf',
      'passwd.users[1].name "a" appears twice',
    ]);
  });

  test('checks verification hashes of merged configs and files', () => {
    const cfg: IgnitionConfig = { ignition: { version: '3.2.0', config: { merge: [{ source: 'http://h/x', verification: { hash: 'sha512-abc' } }] } } };
    expect(ignitionProblems(cfg)).toEqual(['ignition.config.merge[0].verification.hash "sha512-abc" is not sha512-<hex> or sha256-<hex>']);
    expect(ignitionProblems({ ignition: { version: '3.2.0', config: { merge: [{ source: 'http://h/x', verification: { hash: 'sha512-' + 'a'.repeat(128) } }] } } })).toEqual([]);
  });
});
