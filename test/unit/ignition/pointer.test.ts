import { NkdError } from '../../../pkg/ui/errors.js';
import { pointerConfig, sha512Hex } from '../../../pkg/ignition/pointer.js';

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
