import { NkdError } from '../../../pkg/ui/errors.js';
import { pointerConfig, sha512Hex, userDataFor } from '../../../pkg/ignition/pointer.js';

describe('pointerConfig', () => {
  const hash = sha512Hex('{"ignition":{"version":"3.2.0"}}\n');

  test('merges the full config from the URL with its sha512 verification hash', () => {
    expect(pointerConfig('3.2.0', 'https://10.231.0.1:8443/ignition/master-1.ign', hash)).toEqual({
      ignition: { version: '3.2.0', config: { merge: [{ source: 'https://10.231.0.1:8443/ignition/master-1.ign', verification: { hash: `sha512-${hash}` } }] } },
    });
  });

  test('refuses a hash that is not 128 hex characters, naming the fix', () => {
    expect(() => pointerConfig('3.2.0', 'https://h/x.ign', 'abc')).toThrow(NkdError);
    expect(() => pointerConfig('3.2.0', 'https://h/x.ign', 'abc')).toThrow('"abc" is not a SHA-512 hex digest');
  });

  test('refuses a source Ignition cannot fetch a merged config from', () => {
    expect(() => pointerConfig('3.2.0', 'file:///etc/x.ign', hash)).toThrow('has scheme file:');
    expect(() => pointerConfig('3.2.0', 'not a url', hash)).toThrow('"not a url" is not a URL');
  });
});

describe('userDataFor', () => {
  const small = '{"ignition":{"version":"3.2.0"}}\n';
  const big = JSON.stringify({ ignition: { version: '3.2.0' }, pad: 'x'.repeat(50000) });

  test('sends the full config when it fits or the platform has no limit', () => {
    let calls = 0;
    const url = (): string => (calls++, 'https://h/x.ign');
    expect(userDataFor({ platform: 'openstack', version: '3.2.0', full: small, url })).toEqual({ text: small, pointer: false });
    expect(userDataFor({ platform: 'libvirt', version: '3.2.0', full: big, url })).toEqual({ text: big, pointer: false });
    expect(calls).toBe(0);
  });

  test('sends a compact pointer with the full config\'s hash when it is over the OpenStack limit', () => {
    const out = userDataFor({ platform: 'openstack', version: '3.2.0', full: big, url: () => 'https://h/x.ign' });
    expect(out.pointer).toBe(true);
    expect(JSON.parse(out.text).ignition.config.merge[0]).toEqual({ source: 'https://h/x.ign', verification: { hash: `sha512-${sha512Hex(big)}` } });
    expect(out.text.split('\n')).toHaveLength(2);
  });
});
