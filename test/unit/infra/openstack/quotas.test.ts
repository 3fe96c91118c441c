import { NO_NEED, quotaNeed, quotaShortfalls } from '../../../../pkg/infra/openstack/quotas.js';

const line = (limit: number, in_use: number) => ({ limit, in_use, reserved: 0 });
const nline = (limit: number, used: number) => ({ limit, used, reserved: 0 });

describe('OpenStack quota arithmetic', () => {
  test('servers count their flavor\'s cores and RAM; groups their rules plus Neutron\'s two egress rules', () => {
    const need = quotaNeed(
      [{ kind: 'server', name: 's1', node: 'a' }, { kind: 'server', name: 's2', node: 'b' }, { kind: 'port', name: 'p' }, { kind: 'router-interface', name: 'r' }, { kind: 'security-group', name: 'g' }, { kind: 'floating-ip', name: 'f' }, { kind: 'server-group', name: 'sg' }],
      (n) => (n === 'a' ? { vcpus: 2, ram: 4096 } : { vcpus: 4, ram: 8192 }), () => 10);
    expect(need).toEqual({ ...NO_NEED, instances: 2, cores: 6, ramMiB: 12288, ports: 2, securityGroups: 1, securityGroupRules: 12, floatingIps: 1, serverGroups: 1 });
  });

  test('every shortfall is named with the numbers and the command that fixes it', () => {
    const short = quotaShortfalls({ ...NO_NEED, instances: 5, cores: 10, ramMiB: 20480, ports: 6 },
      { compute: { instances: line(10, 8), cores: line(20, 4), ram: line(51200, 40960) }, network: { port: nline(50, 10) } }, 'k8s');
    expect(short).toEqual([
      'servers: the plan needs 5, the project has 2 free (quota 10, 8 in use); free some, or raise the quota (openstack quota set --instances 13 k8s)',
      'MiB of RAM: the plan needs 20480, the project has 10240 free (quota 51200, 40960 in use); free some, or raise the quota (openstack quota set --ram 61440 k8s)',
    ]);
  });

  test('an unlimited (-1) or unreported quota is not a shortfall; reserved counts as used', () => {
    expect(quotaShortfalls({ ...NO_NEED, instances: 100, ports: 3 }, { compute: { instances: line(-1, 5) }, network: {} }, 'p')).toEqual([]);
    expect(quotaShortfalls({ ...NO_NEED, floatingIps: 1 }, { compute: {}, network: { floatingip: { limit: 2, used: 1, reserved: 1 } } }, 'p')).toHaveLength(1);
  });
});
