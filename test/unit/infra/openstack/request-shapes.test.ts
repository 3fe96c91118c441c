import { ruleBody, sameRule } from '../../../../pkg/infra/openstack/neutron.js';
import { serverBody, serverErrorMessage } from '../../../../pkg/infra/openstack/nova.js';
import { serverMetadata } from '../../../../pkg/infra/openstack/names.js';

describe('the request bodies nkd sends', () => {
  test('a server: its port as the only NIC, the first stage base64 as user data, a config drive, the tag, the server group hint', () => {
    expect(serverBody({ name: 'nkd-demo-master-1', flavorId: 'f', imageId: 'i', portId: 'p', userData: Buffer.from('{"ignition":{}}'), tag: 'nkd-cluster=demo', metadata: serverMetadata('demo', 'master-1'), serverGroupId: 'g', availabilityZone: 'az1' })).toEqual({
      server: {
        name: 'nkd-demo-master-1', flavorRef: 'f', imageRef: 'i', networks: [{ port: 'p' }],
        user_data: Buffer.from('{"ignition":{}}').toString('base64'), config_drive: true, tags: ['nkd-cluster=demo'],
        metadata: { 'nkd.nestos.openeuler.org:cluster': 'demo', 'nkd.nestos.openeuler.org:node': 'master-1' }, availability_zone: 'az1',
      },
      'os:scheduler_hints': { group: 'g' },
    });
  });

  test('Nova accepts the metadata keys (letters, digits and "-_:. " only)', () => {
    for (const k of Object.keys(serverMetadata('demo', 'm'))) expect(k).toMatch(/^[a-zA-Z0-9-_:. ]{1,255}$/);
  });

  test('a group-to-group rule names the remote group; a CIDR rule the prefix; a live rule matches its body', () => {
    const ids = { 'control-plane': 'cp', worker: 'w' };
    const etcd = ruleBody('cp', { protocol: 'tcp', ports: [2379, 2380], from: { group: 'control-plane' }, why: 'etcd' }, ids);
    expect(etcd).toEqual({ security_group_id: 'cp', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 2379, port_range_max: 2380, remote_group_id: 'cp', description: 'etcd' });
    const api = ruleBody('cp', { protocol: 'tcp', ports: [6443, 6443], from: { cidr: '0.0.0.0/0' }, why: 'api' }, ids);
    expect(api.remote_ip_prefix).toBe('0.0.0.0/0');
    const live = { id: 'r', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 2379, port_range_max: 2380, remote_ip_prefix: null, remote_group_id: 'cp' };
    expect([sameRule(live, etcd), sameRule(live, api), sameRule({ ...live, remote_group_id: 'w' }, etcd)]).toEqual([true, false, false]);
    const vrrp = ruleBody('cp', { protocol: '112', from: { group: 'control-plane' }, why: 'VRRP' }, ids);
    expect(sameRule({ ...live, protocol: '112', port_range_min: null, port_range_max: null }, vrrp)).toBe(true);
  });

  test('a server in ERROR is reported with Nova\'s fault text', () => {
    expect(serverErrorMessage('nkd-demo-w1', { fault: { message: 'No valid host was found. ', code: 500 } })).toBe('server nkd-demo-w1 went to ERROR: No valid host was found. (fault code 500)');
    expect(serverErrorMessage('x', {})).toBe('server x went to ERROR: Nova gave no fault message');
  });
});
