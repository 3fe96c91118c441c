import { serializeIgnition } from '../../../pkg/ignition/serialize.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';

describe('serializeIgnition', () => {
  const a: IgnitionConfig = { storage: { files: [{ path: '/a', mode: 420, overwrite: true }] }, ignition: { version: '3.2.0' } } as IgnitionConfig;
  const b: IgnitionConfig = { ignition: { version: '3.2.0' }, storage: { files: [{ overwrite: true, mode: 420, path: '/a' }] } };

  test('gives the same bytes whatever order the keys were set in', () => {
    expect(serializeIgnition(a)).toBe(serializeIgnition(b));
  });

  test('sorts keys at every level and ends with one newline, without trailing spaces', () => {
    const text = serializeIgnition(a);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).not.toMatch(/[ \t]$/m);
    expect(text.indexOf('"mode"')).toBeLessThan(text.indexOf('"overwrite"'));
    expect(text.indexOf('"overwrite"')).toBeLessThan(text.indexOf('"path"'));
  });

  test('drops undefined members and keeps array order', () => {
    const cfg = { ignition: { version: '3.2.0', config: undefined }, systemd: { units: [{ name: 'b.service' }, { name: 'a.service' }] } } as unknown as IgnitionConfig;
    expect(JSON.parse(serializeIgnition(cfg))).toEqual({ ignition: { version: '3.2.0' }, systemd: { units: [{ name: 'b.service' }, { name: 'a.service' }] } });
  });

  test('compact output is one line', () => {
    expect(serializeIgnition(a, { compact: true })).toBe('{"ignition":{"version":"3.2.0"},"storage":{"files":[{"mode":420,"overwrite":true,"path":"/a"}]}}\n');
  });
});
