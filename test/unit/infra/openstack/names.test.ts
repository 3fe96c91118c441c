import { clusterTag, DESTROY_ORDER, osNames } from '../../../../pkg/infra/openstack/names.js';
import { inDestroyOrder } from '../../../../pkg/infra/openstack/destroy.js';

describe('OpenStack names and tags', () => {
  test('names are deterministic and carry the cluster', () => {
    expect([osNames.network('demo'), osNames.subnet('demo'), osNames.router('demo'), osNames.vipPort('demo'), osNames.serverGroup('demo'), osNames.port('demo', 'master-1'), osNames.server('demo', 'worker-2')])
      .toEqual(['nkd-demo-network', 'nkd-demo-subnet', 'nkd-demo-router', 'nkd-demo-api-vip', 'nkd-demo-control-plane', 'nkd-demo-master-1', 'nkd-demo-worker-2']);
  });

  test('the tag fits Nova\'s rules for the longest cluster name (no "/" or ",", at most 60 characters)', () => {
    const t = clusterTag('a'.repeat(40));
    expect(t.length).toBeLessThanOrEqual(60);
    expect(t).not.toMatch(/[/,]/);
  });

  test('destroy deletes servers first, floating IPs before ports, router interfaces before subnets, and the image last', () => {
    expect(DESTROY_ORDER).toEqual(['server', 'floating-ip', 'port', 'router-interface', 'router', 'subnet', 'network', 'security-group', 'server-group', 'image']);
    const sorted = inDestroyOrder([{ kind: 'image' }, { kind: 'network' }, { kind: 'port' }, { kind: 'server' }, { kind: 'security-group' }, { kind: 'subnet' }, { kind: 'floating-ip' }]);
    expect(sorted.map((x) => x.kind)).toEqual(['server', 'floating-ip', 'port', 'subnet', 'network', 'security-group', 'image']);
  });
});

describe('fixed IPs and subnets', () => {
  test('an address lies in a CIDR or not', async () => {
    const { inCidr } = await import('../../../../pkg/infra/openstack/apply-steps.js');
    expect([inCidr('10.231.0.11', '10.231.0.0/24'), inCidr('10.231.1.11', '10.231.0.0/24'), inCidr('10.0.0.1', '0.0.0.0/0'), inCidr('192.168.1.130', '192.168.1.128/25')]).toEqual([true, false, true, true]);
  });
});
