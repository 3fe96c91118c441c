import { platformNamed } from '../../../pkg/infra/registry.js';
import { formatSizeReport, OPENSTACK_USER_DATA_MAX_RAW, sizeReport } from '../../../pkg/ignition/size.js';

const limitOf = (name: string): number | undefined => {
  const boot = platformNamed(name).boot;
  return boot.kind === 'two-stage' ? boot.firstStageLimit : undefined;
};

describe('the first-stage size budget', () => {
  test('OpenStack allows 65535 base64 bytes of user data, i.e. 49149 raw bytes; libvirt (fw_cfg) and bare metal (served) have no limit', () => {
    expect(limitOf('openstack')).toBe(49149);
    expect(Buffer.alloc(OPENSTACK_USER_DATA_MAX_RAW).toString('base64').length).toBeLessThanOrEqual(65535);
    expect(Buffer.alloc(OPENSTACK_USER_DATA_MAX_RAW + 1).toString('base64').length).toBeGreaterThan(65535);
    expect(limitOf('libvirt')).toBeUndefined();
    expect(limitOf('baremetal')).toBeUndefined();
  });

  test('flags only the configs over the limit', () => {
    const rows = sizeReport(limitOf('openstack'), [
      { name: 'master-1', bytes: 60000 },
      { name: 'worker-1', bytes: 9000 },
    ]);
    expect(rows.map((r) => r.tooBig)).toEqual([true, false]);
    expect(formatSizeReport(rows)[0]).toBe('master-1    58.6 KiB  (limit 48.0 KiB)  too big');
    expect(sizeReport(limitOf('libvirt'), [{ name: 'm', bytes: 1e6 }])[0]).toEqual({ name: 'm', bytes: 1e6, tooBig: false });
  });
});
