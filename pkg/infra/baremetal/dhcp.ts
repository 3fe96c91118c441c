/**
 * DHCP configuration for the site's own DHCP server (docs/adr/0304): nkd answers no DHCP itself,
 * so that a deployer on a production segment never competes with the DHCP server already there.
 * Render writes what that server needs to PXE-boot the cluster's hosts and no others:
 *
 * - each host by its MAC, tagged, with its fixed address where the cluster file gives one;
 * - the iPXE loop broken by user class: a client that says "iPXE" (option 77) gets the HTTP URL
 *   of nkd's chain script; any other PXE client gets iPXE itself over TFTP, chosen by client
 *   architecture (option 93, RFC 4578): 0 (BIOS) → undionly.kpxe, 7 or 9 (UEFI x64) → ipxe.efi;
 * - boot options only for the cluster's hosts; the dnsmasq file also ignores every other MAC
 *   (one line to delete when the file joins a dnsmasq that serves others too).
 *
 * The files are text a DHCP server parses: every value is checked against a strict pattern
 * first (MAC, IPv4, DNS label), so no value can end a line or open a quote.
 */
import type { ClusterConfig } from '../../config/types.gen.js';
import { NkdError, ExitCode } from '../../ui/errors.js';
import { HOSTNAME, IPV4, IPXE_PREFIX, normalizeMac } from './ipxe.js';

/** iPXE for BIOS PXE ROMs, as Debian's `ipxe` package ships it (/usr/lib/ipxe). */
export const BIOS_BOOT_FILE = 'undionly.kpxe';
/** iPXE for UEFI x64 PXE, as Debian's `ipxe` package ships it (/usr/lib/ipxe). */
export const UEFI_BOOT_FILE = 'ipxe.efi';
/** The dnsmasq tag of the cluster's hosts. */
export const DHCP_TAG = 'nkd';

/** One host the DHCP server boots. */
export interface DhcpHost {
  node: string;
  mac: string;
  ip?: string;
}

/** What the DHCP configuration says, every value checked. */
export interface DhcpPlan {
  cluster: string;
  /** nkd's chain script, for clients that are iPXE already. */
  chainUrl: string;
  /** Where BIOS and UEFI PXE clients fetch iPXE over TFTP (port 69: DHCP cannot name another). */
  tftpAddress: string;
  /** The TFTP port nkd listens on, when it is not 69 (the files then say the firmware cannot reach it). */
  tftpPort?: number;
  /** Router and DNS servers for the cluster's hosts (spec.network), when given. */
  router?: string;
  dnsServers: string[];
  hosts: DhcpHost[];
}

/**
 * The DHCP plan of a bare-metal cluster file. A value that cannot go into a DHCP server's
 * configuration is refused, all of them at once, naming the field path and the fix.
 */
export function dhcpPlanFrom(config: ClusterConfig): DhcpPlan {
  const b = config.spec.baremetal;
  const problems: string[] = [];
  const ipv4 = (v: string | undefined, path: string): string => {
    if (!v) problems.push(`${path}: required field is missing: the DHCP configuration names it`);
    else if (!IPV4.test(v)) problems.push(`${path}: invalid value ${JSON.stringify(v)}: must be an IPv4 address`);
    return v ?? '';
  };
  const http = ipv4(b?.httpAddress, 'spec.baremetal.httpAddress');
  const tftpAddress = b?.tftpAddress ? ipv4(b.tftpAddress, 'spec.baremetal.tftpAddress') : http;
  const net = config.spec.network;
  const router = net?.gateway ? ipv4(net.gateway, 'spec.network.gateway') : undefined;
  const dnsServers = (net?.dnsServers ?? []).map((d, i) => ipv4(d, `spec.network.dnsServers[${i}]`));
  const hosts = config.spec.nodes.map((n, i): DhcpHost => {
    const mac = normalizeMac(n.mac);
    if (!mac) problems.push(`spec.nodes[${i}].mac: invalid value ${JSON.stringify(n.mac ?? '')}: must be six hex pairs like 52:54:00:12:34:56`);
    if (!HOSTNAME.test(n.name)) problems.push(`spec.nodes[${i}].name: invalid value ${JSON.stringify(n.name)}: must be a DNS label`);
    return { node: n.name, mac: mac ?? '', ...(n.ip ? { ip: ipv4(n.ip, `spec.nodes[${i}].ip`) } : {}) };
  });
  if (!HOSTNAME.test(config.metadata.name)) problems.push(`metadata.name: invalid value ${JSON.stringify(config.metadata.name)}: must be a DNS label`);
  if (problems.length > 0) {
    throw new NkdError(`cluster.yaml: cannot write the DHCP configuration:\n  ${problems.join('\n  ')}`, {
      code: ExitCode.Usage,
      hint: 'fix the fields named above in the cluster file',
    });
  }
  const port = b?.tftpPort ?? 69;
  return {
    cluster: config.metadata.name,
    chainUrl: `http://${http}:${b?.httpPort ?? 9080}${IPXE_PREFIX}boot.ipxe`,
    tftpAddress,
    ...(port !== 69 ? { tftpPort: port } : {}),
    ...(router ? { router } : {}),
    dnsServers,
    hosts,
  };
}

/** The opening comment of both files: who wrote it, how to use it, and a TFTP port firmware cannot reach. */
const header = (p: DhcpPlan, usage: [string, string]): string[] => [
  `# Written by nkd for cluster ${p.cluster}: PXE/iPXE boot of its hosts from nkd's boot service.`,
  ...usage.map((u) => `# ${u}`),
  ...(p.tftpPort === undefined
    ? []
    : [`# spec.baremetal.tftpPort is ${p.tftpPort}: PXE firmware asks port 69 only, so forward 69 to it or serve`, `# ${BIOS_BOOT_FILE} and ${UEFI_BOOT_FILE} from a TFTP server on port 69.`]),
];

/** The dnsmasq configuration (a file for `conf-file=` or `conf-dir=`; dnsmasq ≥ 2.53). */
export function renderDnsmasqConfig(p: DhcpPlan): string {
  const t = DHCP_TAG;
  const lines = [
    ...header(p, ['Use it with the dnsmasq that already serves DHCP on the hosts\' segment (conf-file= or conf-dir=);', 'its dhcp-range must cover the addresses below (e.g. dhcp-range=<network>,static).']),
    '',
    `# The cluster's hosts, by the MAC of their boot interface (tag ${t}).`,
    ...p.hosts.map((h) => `dhcp-host=${h.mac},set:${t}${h.ip ? `,${h.ip}` : ''},${h.node}`),
    ...(p.router ? [`dhcp-option=tag:${t},option:router,${p.router}`] : []),
    ...(p.dnsServers.length ? [`dhcp-option=tag:${t},option:dns-server,${p.dnsServers.join(',')}`] : []),
    '',
    '# iPXE says so in its user class: it gets nkd\'s chain script over HTTP, which ends the loop.',
    'dhcp-userclass=set:ipxe,iPXE',
    `dhcp-boot=tag:${t},tag:ipxe,${p.chainUrl}`,
    '# Other PXE firmware gets iPXE over TFTP, by client architecture (option 93).',
    'dhcp-match=set:bios,option:client-arch,0',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    `dhcp-boot=tag:${t},tag:!ipxe,tag:bios,${BIOS_BOOT_FILE},,${p.tftpAddress}`,
    `dhcp-boot=tag:${t},tag:!ipxe,tag:efi64,${UEFI_BOOT_FILE},,${p.tftpAddress}`,
    '',
    `# Answer no other MAC. Delete this line when this dnsmasq serves other clients too: the boot`,
    `# options above stay limited to tag ${t}.`,
    `dhcp-ignore=tag:!${t}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The ISC dhcpd equivalent (an include for dhcpd.conf; Kea: docs/deploy.md). */
export function renderIscDhcpdConfig(p: DhcpPlan): string {
  const lines = [
    ...header(p, ['Include it in the dhcpd.conf that already serves the hosts\' segment (include "…";); only the', 'hosts below get boot options. Fixed addresses must lie in a subnet that dhcpd.conf declares.']),
    'option nkd-client-arch code 93 = unsigned integer 16;',
    '',
    'group {',
    `  next-server ${p.tftpAddress};`,
    ...(p.router ? [`  option routers ${p.router};`] : []),
    ...(p.dnsServers.length ? [`  option domain-name-servers ${p.dnsServers.join(', ')};`] : []),
    '  if exists user-class and option user-class = "iPXE" {',
    `    filename "${p.chainUrl}";`,
    '  } elsif option nkd-client-arch = 7 or option nkd-client-arch = 9 {',
    `    filename "${UEFI_BOOT_FILE}";`,
    '  } else {',
    `    filename "${BIOS_BOOT_FILE}";`,
    '  }',
    ...p.hosts.flatMap((h) => [`  host ${p.cluster}-${h.node} {`, `    hardware ethernet ${h.mac};`, ...(h.ip ? [`    fixed-address ${h.ip};`] : []), `    option host-name "${h.node}";`, '  }']),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
