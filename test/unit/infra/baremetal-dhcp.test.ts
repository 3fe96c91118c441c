/**
 * The DHCP configuration render writes for the site's DHCP server (pkg/infra/baremetal/dhcp.ts):
 * per-MAC hosts, the iPXE loop broken by user class, iPXE over TFTP by client architecture, no
 * answer for other MACs, and every value checked before it goes into a file.
 */
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { dhcpPlanFrom, renderDnsmasqConfig, renderIscDhcpdConfig } from '../../../pkg/infra/baremetal/dhcp.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import { bareMetalClusterDoc, validClusterConfig } from '../../fixtures/cluster.js';

const metal = (mutate: (d: Record<string, any>) => void = () => {}): Promise<ClusterConfig> =>
  validClusterConfig((d) => {
    d.spec = bareMetalClusterDoc().spec;
    mutate(d);
  });
const lines = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('#'));

describe('the dnsmasq configuration', () => {
  test('names each host by MAC with its fixed address, and boots only tagged hosts', async () => {
    const conf = lines(renderDnsmasqConfig(dhcpPlanFrom(await metal())));
    expect(conf.filter((l) => l.startsWith('dhcp-host='))).toEqual([
      'dhcp-host=52:54:00:00:00:01,set:nkd,10.231.0.11,master-1',
      'dhcp-host=52:54:00:00:00:02,set:nkd,10.231.0.21,worker-1',
    ]);
    expect(conf.filter((l) => l.startsWith('dhcp-boot=')).every((l) => l.startsWith('dhcp-boot=tag:nkd,'))).toBe(true);
    expect(conf.at(-1)).toBe('dhcp-ignore=tag:!nkd');
  });

  test('gives iPXE the chain script over HTTP and other firmware iPXE over TFTP by architecture', async () => {
    const conf = lines(renderDnsmasqConfig(dhcpPlanFrom(await metal((d) => (d.spec.baremetal.tftpAddress = '10.231.0.3')))));
    expect(conf).toEqual(expect.arrayContaining([
      'dhcp-userclass=set:ipxe,iPXE',
      'dhcp-boot=tag:nkd,tag:ipxe,http://10.231.0.2:9080/nkd/v1/ipxe/boot.ipxe',
      'dhcp-match=set:bios,option:client-arch,0',
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-match=set:efi64,option:client-arch,9',
      'dhcp-boot=tag:nkd,tag:!ipxe,tag:bios,undionly.kpxe,,10.231.0.3',
      'dhcp-boot=tag:nkd,tag:!ipxe,tag:efi64,ipxe.efi,,10.231.0.3',
    ]));
  });

  test('serves iPXE over TFTP from the HTTP address when no tftpAddress is set, and hands out the router and DNS', async () => {
    const conf = lines(renderDnsmasqConfig(dhcpPlanFrom(await metal((d) => Object.assign(d.spec.network, { gateway: '10.231.0.1', dnsServers: ['10.231.0.53', '10.231.0.54'] })))));
    expect(conf).toContain('dhcp-boot=tag:nkd,tag:!ipxe,tag:bios,undionly.kpxe,,10.231.0.2');
    expect(conf).toContain('dhcp-option=tag:nkd,option:router,10.231.0.1');
    expect(conf).toContain('dhcp-option=tag:nkd,option:dns-server,10.231.0.53,10.231.0.54');
  });

  test('a host without a fixed address gets a dhcp-host entry without one', async () => {
    const c = await metal((d) => delete d.spec.nodes[1].ip);
    expect(lines(renderDnsmasqConfig(dhcpPlanFrom(c)))).toContain('dhcp-host=52:54:00:00:00:02,set:nkd,worker-1');
  });

  test('says when the TFTP port is one PXE firmware cannot reach', async () => {
    const text = renderDnsmasqConfig(dhcpPlanFrom(await metal((d) => (d.spec.baremetal.tftpPort = 6969))));
    expect(text).toContain('# spec.baremetal.tftpPort is 6969: PXE firmware asks port 69 only');
    expect(renderDnsmasqConfig(dhcpPlanFrom(await metal()))).not.toContain('tftpPort');
  });
});

describe('the ISC dhcpd configuration', () => {
  test('has the same hosts and the same decision by user class and client architecture', async () => {
    const text = renderIscDhcpdConfig(dhcpPlanFrom(await metal()));
    expect(text).toContain('option nkd-client-arch code 93 = unsigned integer 16;');
    expect(text).toContain('  if exists user-class and option user-class = "iPXE" {\n    filename "http://10.231.0.2:9080/nkd/v1/ipxe/boot.ipxe";\n  } elsif option nkd-client-arch = 7 or option nkd-client-arch = 9 {\n    filename "ipxe.efi";\n  } else {\n    filename "undionly.kpxe";\n  }');
    expect(text).toContain('  host demo-master-1 {\n    hardware ethernet 52:54:00:00:00:01;\n    fixed-address 10.231.0.11;\n');
    expect(text).toContain('  next-server 10.231.0.2;');
  });
});

describe('values that cannot go into a DHCP configuration', () => {
  const refused = async (mutate: (d: Record<string, any>) => void): Promise<string> => {
    // The loaded config is frozen; a copy takes values validation would refuse, as a caller's could.
    const c = structuredClone(await metal());
    mutate(c as unknown as Record<string, any>);
    try {
      dhcpPlanFrom(c);
    } catch (e) {
      expect(e).toBeInstanceOf(NkdError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  test.each([
    ['a MAC with a newline', (c: any) => (c.spec.nodes[0].mac = '52:54:00:00:00:01\ndhcp-boot=evil'), 'spec.nodes[0].mac: invalid value "52:54:00:00:00:01\\ndhcp-boot=evil": must be six hex pairs like 52:54:00:12:34:56'],
    ['a node IP that is not IPv4', (c: any) => (c.spec.nodes[1].ip = '10.231.0.21,evil'), 'spec.nodes[1].ip: invalid value "10.231.0.21,evil": must be an IPv4 address'],
    ['a node name with a quote', (c: any) => (c.spec.nodes[0].name = 'm"1'), 'spec.nodes[0].name: invalid value "m\\"1": must be a DNS label'],
    ['no HTTP address', (c: any) => delete c.spec.baremetal.httpAddress, 'spec.baremetal.httpAddress: required field is missing: the DHCP configuration names it'],
    ['a DNS server that is not IPv4', (c: any) => (c.spec.network.dnsServers = ['ns1.example.com']), 'spec.network.dnsServers[0]: invalid value "ns1.example.com": must be an IPv4 address'],
  ])('%s is refused, naming the field', async (_, mutate, message) => {
    expect(await refused(mutate)).toContain(`\n  ${message}`);
  });

  test('every problem is reported at once', async () => {
    const msg = await refused((c) => {
      c.spec.nodes[0].mac = 'nope';
      c.spec.baremetal.tftpAddress = '300.1.1.1';
    });
    expect(msg.split('\n')).toEqual([
      'cluster.yaml: cannot write the DHCP configuration:',
      '  spec.baremetal.tftpAddress: invalid value "300.1.1.1": must be an IPv4 address',
      '  spec.nodes[0].mac: invalid value "nope": must be six hex pairs like 52:54:00:12:34:56',
    ]);
  });
});
