import { domainXml, dhcpHostXml, networkXml, volumeXml } from '../../../pkg/infra/libvirt/xml.js';
import { derivedMac, dhcpRange, inNet, netmask, parseCidr } from '../../../pkg/infra/libvirt/names.js';
import { parseDomain } from '../../../pkg/infra/libvirt/inspect.js';
import { clusterBridgeName, NKD_XML_NS } from '../../../pkg/infra/tag.js';
import { libvirtSettings } from '../../../pkg/infra/libvirt/settings.js';
import { validClusterConfig } from '../../fixtures/cluster.js';

const domain = {
  domainType: 'qemu' as const, name: 'demo-m1', ns: NKD_XML_NS, clusterId: 'demo', node: 'm1', role: 'control-plane',
  memoryMiB: 2048, cpus: 2, ignitionFile: '/pool/demo-m1.ign', directBoot: null, pool: 'nkd-demo', volume: 'demo-m1.qcow2',
  bridge: null, network: 'nkd-demo', mac: '52:54:00:aa:bb:cc', consoleLog: '/var/log/libvirt/qemu/demo-m1-console.log',
};

describe('libvirt XML from templates', () => {
  it('gives a domain its Ignition through fw_cfg, ACPI, the cluster tag in <metadata> and its CPU and memory', () => {
    const xml = domainXml(domain);
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).toContain("<entry name='opt/com.coreos/config' file='/pool/demo-m1.ign'/>");
    expect(xml).toContain('<acpi/>');
    expect(xml).toContain(`<nkd:cluster xmlns:nkd='${NKD_XML_NS}' id='demo' node='m1' role='control-plane'/>`);
    expect(xml).toContain("<memory unit='MiB'>2048</memory>");
    expect(xml).toContain('<vcpu>2</vcpu>');
    expect(xml).toContain("<source network='nkd-demo'/>");
    expect(xml).not.toContain('<kernel>');
    expect(parseDomain(xml, true)).toEqual({ name: 'demo-m1', clusterId: 'demo', node: 'm1', cpus: 2, memoryMiB: 2048, running: true });
  });

  it('attaches to an existing bridge and boots a kernel directly when asked', () => {
    const xml = domainXml({ ...domain, bridge: 'br0', directBoot: { kernel: '/k', initrd: '/i', cmdline: 'console=ttyS0' } });
    expect(xml).toContain("<interface type='bridge'>\n      <source bridge='br0'/>");
    expect(xml).toContain('<kernel>/k</kernel>');
  });

  it('escapes values so a name cannot inject XML', () => {
    expect(dhcpHostXml({ mac: '52:54:00:00:00:01', name: "a'><x", ip: '10.231.0.2' })).toBe("<host mac='52:54:00:00:00:01' name='a&#x27;&gt;&lt;x' ip='10.231.0.2'/>");
  });

  it('throws on a missing template variable (handlebars strict mode)', () => {
    const { mac: _mac, ...noMac } = domain;
    expect(() => domainXml(noMac as typeof domain)).toThrow(/"mac" not defined/);
  });

  it('writes a NAT network with one DHCP host per fixed-IP node and an overlay volume backed by the base', () => {
    const net = networkXml({ name: 'nkd-demo', bridge: 'nkd-1234abcd', gateway: '10.231.0.1', netmask: '255.255.255.0', rangeStart: '10.231.0.192', rangeEnd: '10.231.0.254', hosts: [{ mac: '52:54:00:00:00:01', name: 'm1', ip: '10.231.0.11' }] });
    expect(net).toContain("<forward mode='nat'/>");
    expect(net).toContain("<host mac='52:54:00:00:00:01' name='m1' ip='10.231.0.11'/>");
    const vol = volumeXml({ name: 'demo-m1.qcow2', capacityBytes: 10 * 2 ** 30, format: 'qcow2', backing: { path: '/pool/demo-base.qcow2', format: 'qcow2' } });
    expect(vol).toContain('<backingStore>\n    <path>/pool/demo-base.qcow2</path>');
    expect(volumeXml({ name: 'b', capacityBytes: 1, format: 'raw', backing: null })).not.toContain('backingStore');
  });
});

describe('libvirt names and addresses', () => {
  it('derives a stable QEMU-prefixed MAC per cluster and node', () => {
    expect(derivedMac('demo', 'm1')).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(derivedMac('demo', 'm1')).toBe(derivedMac('demo', 'm1'));
    expect(derivedMac('demo', 'm1')).not.toBe(derivedMac('demo', 'm2'));
  });

  it('derives a bridge name of at most 15 characters from the cluster id', () => {
    expect(clusterBridgeName('a-very-long-cluster-name-indeed')).toMatch(/^nkd-[0-9a-f]{8}$/);
  });

  it('computes the netmask, membership and the DHCP range (top quarter) of a CIDR', () => {
    const n = parseCidr('10.231.0.0/24');
    expect(netmask(n.prefix)).toBe('255.255.255.0');
    expect(inNet('10.231.0.11', n)).toBe(true);
    expect(inNet('10.231.1.11', n)).toBe(false);
    expect(dhcpRange(n)).toEqual({ start: '10.231.0.192', end: '10.231.0.254' });
    expect(() => parseCidr('10.231.0.0/31')).toThrow(/between \/8 and \/30/);
  });
});

describe('libvirtSettings', () => {
  it('takes the NAT network\'s addresses from spec.network, and the rest from spec.libvirt.network', async () => {
    const c = await validClusterConfig((d) => (d.spec.network.gateway = '10.231.0.254'));
    expect(libvirtSettings(c).network).toEqual({ mode: 'nat', name: 'nkd-demo', bridge: undefined, cidr: '10.231.0.0/24', gateway: '10.231.0.254' });
  });

  it('uses 192.168.132.0/24 when the cluster file has no spec.network', async () => {
    const c = await validClusterConfig((d) => {
      delete d.spec.network;
      d.spec.nodes.forEach((n: any, i: number) => (n.ip = `192.168.132.${11 + i}`));
    });
    expect(libvirtSettings(c).network).toMatchObject({ cidr: '192.168.132.0/24', gateway: '192.168.132.1' });
  });
});
