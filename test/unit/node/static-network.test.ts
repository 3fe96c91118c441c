import { loadClusterText } from '../../../pkg/config/load.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { HOST } from '../../../pkg/host/paths.js';
import { staticNetworkFile } from '../../../pkg/node/system.js';
import { bareMetalClusterDoc, toYaml, validClusterConfig, validClusterDoc } from '../../fixtures/cluster.js';
import { fileText } from '../ignition/decode.js';
import { extrasFor } from './scenarios.js';

/** The keyfile nkd writes for node `i` (0: master-1, 1: worker-1). */
async function profile(mutate: (d: Record<string, any>) => void, i = 1, base = validClusterDoc): Promise<string | undefined> {
  const doc = base();
  mutate(doc);
  const { config } = await loadClusterText(toYaml(doc), { file: 'c.yaml', env: {} });
  return staticNetworkFile(config, config.spec.nodes[i]!)?.contents;
}


/** The same cluster on OpenStack, where nodes need no MAC. */
function toOpenStack(d: Record<string, any>): void {
  d.spec.platform = 'openstack';
  delete d.spec.libvirt;
  d.spec.openstack = { cloud: 'openstack', image: 'nestos', bootServer: { address: '10.0.0.2' } };
}

describe('the static NetworkManager profile', () => {
  test('lists every DNS server in order', async () => {
    const nm = (await profile((d) => (d.spec.network.dnsServers = ['10.231.0.53', '1.1.1.1', '8.8.8.8'])))!;
    expect(nm).toContain('address1=10.231.0.21/24,10.231.0.1\ndns=10.231.0.53;1.1.1.1;8.8.8.8;\n');
  });

  test('binds to the node\'s MAC, which wins over spec.network.interface', async () => {
    const nm = (await profile((d) => (d.spec.network.interface = 'enp1s0')))!;
    expect(nm).toContain('\n[ethernet]\nmac-address=52:54:00:00:00:02\n');
    expect(nm).not.toContain('interface-name=');
  });

  test('binds to spec.network.interface when the node has no MAC', async () => {
    const nm = (await profile((d) => {
      d.spec.network.interface = 'enp1s0';
      delete d.spec.nodes[1].mac;
    }))!;
    expect(nm).toContain('[connection]\nid=nkd-static\n');
    expect(nm).toContain('type=ethernet\ninterface-name=enp1s0\nautoconnect=true\n');
    expect(nm).not.toContain('[ethernet]');
  });

  test('applies to any Ethernet device with neither MAC nor interface', async () => {
    const nm = (await profile((d) => delete d.spec.nodes[1].mac))!;
    expect(nm).not.toMatch(/interface-name=|\[ethernet\]|mac-address=/);
    expect(nm).toContain('type=ethernet\n');
  });

  test('is a VLAN device vlan<id> on spec.network.interface', async () => {
    const nm = await profile((d) => {
      toOpenStack(d);
      d.spec.network = { cidr: '10.231.0.0/24', gateway: '10.231.0.254', dnsServers: ['10.0.0.53', '10.0.0.54'], interface: 'eno1', vlan: 120 };
      delete d.spec.nodes[1].mac;
    });
    const uuid = /uuid=(.*)\n/.exec(nm!)![1];
    expect(nm).toBe(
      [
        '# Written by nkd: the node\'s static address.',
        '[connection]',
        'id=nkd-static',
        `uuid=${uuid}`,
        'type=vlan',
        'interface-name=vlan120',
        'autoconnect=true',
        'autoconnect-priority=100',
        '',
        '[vlan]',
        'id=120',
        'parent=eno1',
        '',
        '[ipv4]',
        'method=manual',
        'address1=10.231.0.21/24,10.231.0.254',
        'dns=10.0.0.53;10.0.0.54;',
        '',
        '[ipv6]',
        'method=ignore',
        '',
      ].join('\n'),
    );
  });

  test('finds the VLAN\'s parent by the node\'s MAC when it has one', async () => {
    const nm = (await profile((d) => (d.spec.network = { cidr: '10.231.0.0/24', interface: 'eno1', vlan: 7 }), 1, bareMetalClusterDoc))!;
    expect(nm).toContain('type=vlan\ninterface-name=vlan7\n');
    expect(nm).toContain('\n[ethernet]\nmac-address=52:54:00:00:00:02\n\n[vlan]\nid=7\n\n[ipv4]\n');
    expect(nm).not.toContain('parent=');
  });

  test('gives a bare-metal node with an ip its static address', async () => {
    const c = await loadClusterText(toYaml(bareMetalClusterDoc()), { file: 'c.yaml', env: {} });
    const config: ClusterConfig = c.config;
    const w = config.spec.nodes[1]!;
    const nm = fileText(buildNodeIgnition(config, w, extrasFor(config, w)), HOST.networkKeyfile);
    expect(nm).toContain('mac-address=52:54:00:00:00:02\n');
    expect(nm).toContain('address1=10.231.0.21/24,10.231.0.1\ndns=10.231.0.1;\n');
  });

  test('leaves an OpenStack node without spec.network to DHCP', async () => {
    const nm = await profile((d) => {
      toOpenStack(d);
      delete d.spec.network;
    });
    expect(nm).toBeUndefined();
  });

  test('keeps the libvirt default profile byte for byte: MAC, one DNS server, the gateway', async () => {
    const c = await validClusterConfig();
    expect(staticNetworkFile(c, c.spec.nodes[0]!)!.contents).toMatch(/^# Written by nkd: the node's static address\.\n\[connection\]\nid=nkd-static\nuuid=[0-9a-f-]{36}\ntype=ethernet\nautoconnect=true\nautoconnect-priority=100\n\n\[ethernet\]\nmac-address=52:54:00:00:00:01\n\n\[ipv4\]\nmethod=manual\naddress1=10\.231\.0\.11\/24,10\.231\.0\.1\ndns=10\.231\.0\.1;\n\n\[ipv6\]\nmethod=ignore\n$/);
  });
});
