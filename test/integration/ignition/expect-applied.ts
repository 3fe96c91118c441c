/** Test helper: asserts that a config applied by the real ignition landed completely in its scratch root. */
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { decodeResource } from '../../unit/ignition/decode.js';
import type { Applied } from './tools.js';

/** Every file (mode and bytes), unit, drop-in, preset-enabled unit, the user with group, keys and password hash. */
export function expectApplied(cfg: IgnitionConfig, a: Applied): void {
  expect({ code: a.code, log: a.code ? a.log : '' }).toEqual({ code: 0, log: '' });
  for (const f of cfg.storage!.files!) {
    const p = join(a.root, f.path);
    expect({ path: f.path, mode: statSync(p).mode & 0o7777 }).toEqual({ path: f.path, mode: f.mode });
    expect(readFileSync(p).equals(decodeResource(f.contents!))).toBe(true);
  }
  for (const u of cfg.systemd!.units!) {
    if (u.contents !== undefined) expect(readFileSync(join(a.root, 'etc/systemd/system', u.name), 'utf8')).toBe(u.contents);
    for (const d of u.dropins ?? []) expect(readFileSync(join(a.root, 'etc/systemd/system', `${u.name}.d`, d.name), 'utf8')).toBe(d.contents);
    if (u.enabled) {
      const link = join(a.root, 'etc/systemd/system/multi-user.target.wants', u.name);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(`/etc/systemd/system/${u.name}`);
    }
  }
  const user = cfg.passwd!.users![0]!;
  expect(readFileSync(join(a.root, 'etc/passwd'), 'utf8')).toMatch(new RegExp(`^${user.name}:x:\\d+:\\d+::/home/${user.name}:`, 'm'));
  expect(readFileSync(join(a.root, 'etc/group'), 'utf8')).toMatch(new RegExp(`^wheel:x:\\d+:${user.name}$`, 'm'));
  const keys = join(a.root, `home/${user.name}/.ssh/authorized_keys.d/ignition`);
  expect(readFileSync(keys, 'utf8').trim().split('\n')).toEqual(user.sshAuthorizedKeys);
  expect(statSync(keys).mode & 0o777).toBe(0o600);
  const shadow = readFileSync(join(a.root, 'etc/shadow'), 'utf8');
  if (user.passwordHash) expect(shadow).toContain(`${user.name}:${user.passwordHash}:`);
}
