import { loadClusterText } from '../../../pkg/config/load.js';
import { bareMetalClusterDoc, haClusterDoc, problemsOf, toYaml, validClusterConfig, validClusterDoc } from '../../fixtures/cluster.js';

// spec.network: the platform-neutral node network. One mutation per case, with the exact line it must produce.
const cases: Array<[string, (d: Record<string, any>) => void, string, (() => Record<string, any>)?]> = [
  ['the old libvirt cidr is refused, naming where it moved', (d) => { delete d.spec.network; d.spec.libvirt.network = { cidr: '10.231.0.0/24' }; },
    'c.yaml:10: spec.libvirt.network.cidr: moved to spec.network.cidr (fix: move it there: spec.network holds the node network on every platform)'],
  ['the old libvirt gateway is refused, naming where it moved', (d) => { d.spec.libvirt.network = { mode: 'nat', gateway: '10.231.0.1' }; },
    'c.yaml:13: spec.libvirt.network.gateway: moved to spec.network.gateway (fix: move it there: spec.network holds the node network on every platform)'],
  ['a spec.network without cidr is refused', (d) => { d.spec.network = { gateway: '10.231.0.1' }; },
    'c.yaml:7: spec.network.cidr: required field is missing (fix: add cidr (see docs/config-reference.md))'],
  ['a gateway outside the node network is refused', (d) => { d.spec.network.gateway = '10.232.0.1'; },
    'c.yaml:9: spec.network.gateway: invalid value "10.232.0.1": outside spec.network.cidr "10.231.0.0/24" (fix: use an address in 10.231.0.0/24, e.g. 10.231.0.1)'],
  ['the broadcast address as gateway is refused', (d) => { d.spec.network.gateway = '10.231.0.255'; },
    'c.yaml:9: spec.network.gateway: invalid value "10.231.0.255": the network or broadcast address of 10.231.0.0/24 (fix: use the router\'s host address, e.g. 10.231.0.1)'],
  ['a node on the gateway\'s address is refused', (d) => { d.spec.network.gateway = '10.231.0.21'; },
    'c.yaml:19: spec.nodes[1].ip: invalid value "10.231.0.21": the gateway\'s address (fix: use another host address)'],
  ['a DNS server that is not an IPv4 address is refused', (d) => { d.spec.network.dnsServers = ['dns.example.com']; },
    'c.yaml:10: spec.network.dnsServers[0]: invalid value "dns.example.com": must be an IPv4 address like 10.0.0.11'],
  ['an empty DNS server list is refused', (d) => { d.spec.network.dnsServers = []; },
    'c.yaml:9: spec.network.dnsServers: invalid value a list: must NOT have fewer than 1 items'],
  ['a DNS server listed twice is refused', (d) => { d.spec.network.dnsServers = ['1.1.1.1', '1.1.1.1']; },
    'c.yaml:11: spec.network.dnsServers[1]: duplicate DNS server "1.1.1.1": dnsServers[0] is the same (fix: list each server once)'],
  ['a multicast DNS server is refused', (d) => { d.spec.network.dnsServers = ['224.0.0.251']; },
    'c.yaml:10: spec.network.dnsServers[0]: invalid value "224.0.0.251": a multicast address, not a DNS server (fix: use the address of a DNS server the nodes reach)'],
  ['a loopback DNS server is a warning', (d) => { d.spec.network.dnsServers = ['127.0.0.53']; },
    'warning: c.yaml:10: spec.network.dnsServers[0]: "127.0.0.53" is a loopback address: CoreDNS forwards to the node\'s resolv.conf and would query itself (fix: use the address of a DNS server on the network)'],
  ['more than 3 DNS servers is a warning', (d) => { d.spec.network.dnsServers = ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4']; },
    'warning: c.yaml:9: spec.network.dnsServers: 4 servers: the hosts\' resolver and the kubelet use only the first 3 (fix: list at most 3)'],
  ['a node network overlapping the pod network is refused', (d) => { d.spec.kubernetes.networking = { podSubnet: '10.231.0.0/16' }; },
    'c.yaml:25: spec.kubernetes.networking.podSubnet: invalid value "10.231.0.0/16": overlaps the node network spec.network.cidr "10.231.0.0/24" (fix: choose a network the nodes do not use)'],
  ['a node network too small for a cluster is refused', (d) => { d.spec.network.cidr = '10.231.0.8/30'; d.spec.nodes[0].ip = '10.231.0.10'; d.spec.nodes[1].ip = '10.231.0.11'; },
    'c.yaml:8: spec.network.cidr: invalid value "10.231.0.8/30": too small for a cluster (fix: use a /24, for example)'],
  ['a VIP outside the node network is refused', (d) => { d.spec.kubernetes.controlPlaneEndpoint.host = '10.232.0.10'; },
    'c.yaml:37: spec.kubernetes.controlPlaneEndpoint.host: invalid value "10.232.0.10": the VIP is outside the node network spec.network.cidr "10.231.0.0/24" (fix: use a free address in 10.231.0.0/24)', haClusterDoc],
  ['a VIP on the gateway is refused', (d) => { d.spec.kubernetes.controlPlaneEndpoint.host = '10.231.0.1'; },
    'c.yaml:37: spec.kubernetes.controlPlaneEndpoint.host: invalid value "10.231.0.1": the gateway\'s address (spec.network.gateway) (fix: the VIP needs an address no host has)', haClusterDoc],
  ['an interface name with a slash is refused', (d) => { d.spec.network.interface = 'eth0/1'; },
    'c.yaml:9: spec.network.interface: invalid value "eth0/1": must be a network interface name like eth0 or enp1s0 (at most 15 letters, digits, "_", ".", ":" or "-")'],
  ['an interface no node binds to is a warning', (d) => { d.spec.network.interface = 'enp1s0'; },
    'warning: c.yaml:9: spec.network.interface: unused: every node with an ip has a mac, and its profile binds to that NIC (fix: remove interface (a node\'s profile follows its mac))', bareMetalClusterDoc],
  ['a VLAN id above 4094 is refused', (d) => { d.spec.network.vlan = 4095; },
    'c.yaml:9: spec.network.vlan: invalid value 4095: must be <= 4094'],
  ['a VLAN on libvirt\'s NAT network is refused', (d) => { d.spec.network.vlan = 100; },
    'c.yaml:9: spec.network.vlan: libvirt\'s NAT network carries no VLAN tags (fix: remove vlan, or attach to a bridge that carries the VLAN (spec.libvirt.network.mode: existing))'],
  ['a VLAN without a parent NIC is refused', (d) => { d.spec.network.vlan = 100; delete d.spec.nodes[1].mac; },
    'c.yaml:9: spec.network.vlan: no parent NIC for the VLAN on worker-1: no mac, and spec.network.interface is not set (fix: set spec.network.interface to the NIC that carries the VLAN (e.g. enp1s0), or give those nodes their mac)', bareMetalClusterDoc],
  ['a VIP on another device than the VLAN is a warning', (d) => { d.spec.network.vlan = 100; d.spec.platform = 'baremetal'; delete d.spec.libvirt; d.spec.baremetal = { httpAddress: '10.231.0.2' }; },
    'warning: c.yaml:37: spec.kubernetes.controlPlaneEndpoint.vip.interface: "eth0", but the node addresses are on the VLAN device vlan100 (fix: set vip.interface: vlan100)', haClusterDoc],
  ['bare-metal nodes with static addresses need spec.network', (d) => { delete d.spec.network; },
    'c.yaml:5: spec.network: required field is missing: spec.nodes[0].ip and the other static addresses are configured on the hosts from spec.network; without it they would boot with DHCP (fix: add spec.network with the node network\'s cidr (gateway and dnsServers default to its first address))', bareMetalClusterDoc],
  ['bare-metal node IPs are checked against spec.network', (d) => { d.spec.nodes[1].ip = '10.232.0.21'; },
    'c.yaml:16: spec.nodes[1].ip: invalid value "10.232.0.21": outside the node network spec.network.cidr "10.231.0.0/24" (fix: use an address in 10.231.0.0/24)', bareMetalClusterDoc],
];

describe('spec.network validation', () => {
  it.each(cases.map(([name, mutate, expected, base]) => [name, mutate, expected, base ?? validClusterDoc] as const))('%s', async (_name, mutate, expected, base) => {
    const got = await problemsOf(mutate, base);
    if (!got.includes(expected)) throw new Error(`expected:\n${expected}\ngot:\n${got.join('\n')}`);
  });

  it('refuses the old location with nothing else to fix first', async () => {
    const got = await problemsOf((d) => {
      delete d.spec.network;
      d.spec.libvirt.network = { cidr: '10.231.0.0/24', gateway: '10.231.0.1' };
    });
    expect(got).toEqual([
      'c.yaml:10: spec.libvirt.network.cidr: moved to spec.network.cidr (fix: move it there: spec.network holds the node network on every platform)',
      'c.yaml:11: spec.libvirt.network.gateway: moved to spec.network.gateway (fix: move it there: spec.network holds the node network on every platform)',
    ]);
  });

  it('fills the gateway and DNS server from the cidr', async () => {
    const c = await validClusterConfig();
    expect(c.spec.network).toEqual({ cidr: '10.231.0.0/24', gateway: '10.231.0.1', dnsServers: ['10.231.0.1'] });
  });

  it('uses a set gateway as the default DNS server', async () => {
    const c = await validClusterConfig((d) => (d.spec.network.gateway = '10.231.0.254'));
    expect(c.spec.network?.dnsServers).toEqual(['10.231.0.254']);
  });

  it('gives libvirt, and only libvirt, the old default network 192.168.132.0/24', async () => {
    const lv = await validClusterConfig((d) => {
      delete d.spec.network;
      d.spec.nodes.forEach((n: any, i: number) => (n.ip = `192.168.132.${11 + i}`));
    });
    expect(lv.spec.network).toEqual({ cidr: '192.168.132.0/24', gateway: '192.168.132.1', dnsServers: ['192.168.132.1'] });
    const os = validClusterDoc();
    os.spec.platform = 'openstack';
    delete os.spec.libvirt;
    delete os.spec.network;
    os.spec.openstack = { cloud: 'openstack', image: 'nestos', bootServer: { address: '10.0.0.2' } };
    const { config } = await loadClusterText(toYaml(os), { file: 'c.yaml', env: {} });
    expect(config.spec.network).toBeUndefined();
  });
});
