import { formatSizeReport, OPENSTACK_USER_DATA_MAX_RAW, sizeReport, userDataLimit } from '../../../pkg/ignition/size.js';

describe('the user-data size budget', () => {
  test('OpenStack allows 65535 base64 bytes, i.e. 49149 raw bytes; other platforms have no limit', () => {
    expect(userDataLimit('openstack')).toBe(49149);
    expect(Buffer.alloc(OPENSTACK_USER_DATA_MAX_RAW).toString('base64').length).toBeLessThanOrEqual(65535);
    expect(Buffer.alloc(OPENSTACK_USER_DATA_MAX_RAW + 1).toString('base64').length).toBeGreaterThan(65535);
    expect(userDataLimit('libvirt')).toBeUndefined();
    expect(userDataLimit('baremetal')).toBeUndefined();
  });

  test('flags only the configs over the limit for a pointer config', () => {
    const rows = sizeReport('openstack', [
      { name: 'master-1', bytes: 60000 },
      { name: 'worker-1', bytes: 9000 },
    ]);
    expect(rows.map((r) => r.needsPointer)).toEqual([true, false]);
    expect(formatSizeReport(rows)[0]).toBe('master-1    58.6 KiB  (limit 48.0 KiB)  too big: pointer config');
    expect(sizeReport('libvirt', [{ name: 'm', bytes: 1e6 }])[0]).toEqual({ name: 'm', bytes: 1e6, needsPointer: false });
  });
});
