import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { base64DataUrl, gzipDataUrl, percentDataUrl } from '../../../../pkg/ignition/data-url.js';
import type { IgnitionConfig } from '../../../../pkg/ignition/types.js';
import { planIgnition } from '../../../../pkg/infra/ssh/ignition-plan.js';
import { decodeDataUrl } from '../../../../pkg/ignition/data-url.js';
import { NkdError } from '../../../../pkg/ui/errors.js';

const cfg = (over: Partial<IgnitionConfig>): IgnitionConfig => ({ ignition: { version: '3.3.0' }, ...over });
const refusals = (c: unknown, ignore?: ('passwd' | 'kernelArguments')[]) => {
  try {
    planIgnition(c as IgnitionConfig, { ignore });
  } catch (e) {
    return (e as NkdError).details;
  }
  throw new Error('no refusal');
};

describe('planning an Ignition config for SSH', () => {
  it('decodes the data URLs nkd writes back to the same bytes, whatever the encoding', () => {
    const text = 'a: "ü %20 100%"\n\u0000end';
    expect(decodeDataUrl(percentDataUrl(text))).toEqual(Buffer.from(text));
    expect(decodeDataUrl(base64DataUrl(text))).toEqual(Buffer.from(text));
    expect(decodeDataUrl('data:text/plain;charset=utf-8,a%2Fb')).toEqual(Buffer.from('a/b'));
    expect(decodeDataUrl('data:,bad%zz')).toBe('a bad percent escape at character 3');
    expect(decodeDataUrl('data:;base64,***')).toBe('the base64 data is not valid base64');
    expect(decodeDataUrl('http://x')).toBe('not a data: URL');
  });

  it('puts files, units and drop-ins under the root with Ignition\'s defaults (0644, root, no overwrite)', () => {
    const big = 'x'.repeat(1000);
    const plan = planIgnition(
      cfg({
        storage: {
          directories: [{ path: '/var/lib/etcd', mode: 0o700 }],
          files: [
            { path: '/etc/a', contents: { source: 'data:,a' } },
            { path: '/etc/b', mode: 0o600, overwrite: true, user: { id: 1000 }, group: { name: 'wheel' }, contents: { ...{ source: gzipDataUrl(big), compression: 'gzip' } } },
            { path: '/etc/empty' },
          ],
        },
        systemd: { units: [{ name: 'a.service', enabled: true, contents: '[Unit]\n', dropins: [{ name: '10-x.conf', contents: '[Service]\n' }] }, { name: 'b.service', enabled: false }, { name: 'c.service', mask: true, enabled: true }] },
      }),
      { root: '/srv/h0' },
    );
    expect(plan.directories).toEqual([{ field: 'storage.directories[0]', path: '/srv/h0/var/lib/etcd', mode: 0o700, owner: 0, group: 0 }]);
    expect(plan.files.map((f) => [f.path, f.content.toString(), f.mode, f.owner, f.group, f.overwrite])).toEqual([
      ['/srv/h0/etc/a', 'a', 0o644, 0, 0, false],
      ['/srv/h0/etc/b', big, 0o600, 1000, 'wheel', true],
      ['/srv/h0/etc/empty', '', 0o644, 0, 0, false],
      ['/srv/h0/etc/systemd/system/a.service', '[Unit]\n', 0o644, 0, 0, true],
      ['/srv/h0/etc/systemd/system/a.service.d/10-x.conf', '[Service]\n', 0o644, 0, 0, true],
    ]);
    expect([plan.enable, plan.disable, plan.mask]).toEqual([['a.service'], ['b.service'], ['c.service']]);
  });

  it('checks a verification hash against the data', () => {
    const source = 'data:,abc';
    const good = 'sha512-' + createHash('sha512').update('abc').digest('hex');
    expect(planIgnition(cfg({ storage: { files: [{ path: '/a', contents: { source, verification: { hash: good } } }] } })).files).toHaveLength(1);
    expect(refusals(cfg({ storage: { files: [{ path: '/a', contents: { source, verification: { hash: 'sha512-00' } } }] } }))).toEqual([`storage.files[0] (/a): contents.verification.hash does not match the contents (sha512 ${good.slice(7)})`]);
  });

  it('refuses every field SSH cannot apply, all at once, by path', () => {
    const err = (() => {
      try {
        planIgnition(cfg({ ignition: { version: '3.3.0', config: { merge: [{ source: 'https://x' }] } }, storage: { links: [{ path: '/l', target: '/t' }], files: [{ path: '/g', contents: { source: 'data:,notgzip', compression: 'gzip' } }] } }));
      } catch (e) {
        return e as NkdError;
      }
    })()!;
    expect(err.message).toBe('the Ignition config cannot be applied over SSH as it is (3 fields)');
    expect(err.details).toEqual([
      'ignition.config: merged or replacing configs cannot be applied over SSH; merge them into one config first',
      'storage.files[0] (/g): contents: compression is gzip but the data is not gzip',
      'storage.links: links are not applied over SSH yet; write the files they point to at their paths instead',
    ]);
    expect(refusals({ ignition: { version: '3.3.0' }, storage: { filesystems: [] }, luks: [] })).toEqual(['luks: not applied over SSH', 'storage.filesystems: not applied over SSH']);
    expect(refusals(cfg({ systemd: { units: [{ name: 'noslash/../x.service' }, { name: 'a.service', dropins: [{ name: '../x.conf', contents: '' }] }] } }))).toEqual([
      'systemd.units[0] (noslash/../x.service): not a unit name',
      'systemd.units[1] (a.service).dropins[0]: drop-in name "../x.conf" must end in .conf and name no directory',
    ]);
  });

  it('sets password hashes of existing users, refuses other user and group changes, and leaves passwd or kernel arguments out only when asked', () => {
    const c = cfg({ passwd: { users: [{ name: 'nest', passwordHash: '$6$x' }] } });
    expect(planIgnition(c).passwords).toEqual([{ name: 'nest', hash: '$6$x', field: 'passwd.users[0]' }]);
    const full = cfg({ passwd: { users: [{ name: 'nest', sshAuthorizedKeys: ['ssh-ed25519 AAAA'], groups: ['wheel'] }], groups: [{ name: 'g' }] }, kernelArguments: { shouldExist: ['a=1'] } });
    expect(refusals(full)).toEqual([
      'passwd.groups: groups are not created over SSH; create them on the host first, or ignore passwd',
      'passwd.users[0] (nest): sshAuthorizedKeys, groups cannot be applied over SSH (only passwordHash of a user that exists); set them up on the host, or ignore passwd',
      'kernelArguments: kernel arguments need a reboot and cannot be applied over SSH; set them on the host (rpm-ostree kargs or the boot loader), then ignore kernelArguments',
    ]);
    expect(planIgnition(full, { ignore: ['passwd', 'kernelArguments'] }).ignored).toEqual(['passwd (1 users, 1 groups), as asked', 'kernelArguments, as asked']);
  });
});
