/**
 * The bare-metal platform: its part of the cluster file and its checks. Hosts PXE/iPXE-boot
 * from nkd's boot service; what is served before a host is known may be read by anyone on the
 * segment, so the served config is a secret-free first stage and the secret bundle is handed
 * to that host only, once. Its provider (./provider.ts, loaded lazily) runs the boot service
 * for the length of a deploy: the iPXE chain, one-time first-stage URLs and, for `boot: pxe`,
 * the read-only TFTP server (./tftp.ts, docs/deploy.md).
 */
import { secretBundleUrl } from '../boot-path.js';
import type { Platform, PlatformProvider } from '../platform.js';
import type { BareMetalSettings } from './settings.js';
import { validateProvision } from './ssh-nodes.js';

async function providerHalf(): Promise<PlatformProvider<BareMetalSettings>> {
  // one after the other: provider.js loads settings.js, so the second import is its cached module
  const { BareMetalProvider } = await import('./provider.js');
  const { bareMetalSettings, bareMetalFromJournal } = await import('./settings.js');
  const { hostPower } = await import('./power.js');
  return { settings: bareMetalSettings, fromJournal: bareMetalFromJournal, open: (s) => new BareMetalProvider(s, { power: hostPower() }) };
}

/** The bare-metal platform module. */
export const baremetalPlatform: Platform<BareMetalSettings> = {
  name: 'baremetal',
  description: 'bare metal: PXE/iPXE boot served by nkd, then SSH',
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'Bare-metal settings (platform: baremetal): PXE/iPXE boot served by nkd, then SSH.',
    properties: {
      boot: { type: 'string', enum: ['pxe', 'ipxe'], default: 'ipxe', description: 'Boot chain: pxe (TFTP + PXELINUX) or ipxe (iPXE scripts over HTTP).' },
      httpAddress: { type: 'string', format: 'ipv4', description: 'Address nkd serves boot configs on (reachable by the hosts).' },
      httpPort: { type: 'integer', minimum: 1, maximum: 65535, default: 9080, description: 'HTTP port of nkd\'s config server.' },
      tftpAddress: { type: 'string', format: 'ipv4', description: 'TFTP server address (boot: pxe).' },
      tftpPort: { type: 'integer', minimum: 1, maximum: 65535, default: 69, description: 'TFTP port.' },
      installDevice: { type: 'string', default: '/dev/sda', description: 'Disk nestos-installer writes NestOS to.' },
      kernelURL: { type: 'string', description: 'URL or path of the NestOS live kernel.' },
      initrdURL: { type: 'string', description: 'URL or path of the NestOS live initramfs.' },
      rootfsURL: { type: 'string', description: 'URL or path of the NestOS live rootfs.' },
      ssh: {
        type: 'object',
        additionalProperties: false,
        description: 'How nkd logs in to hosts that already run (nodes[].baremetal.provision: existing or convert).',
        properties: {
          user: { type: 'string', pattern: '^[a-z_][a-z0-9_-]{0,31}$', description: 'Login user on those hosts (default root): root, or a user whose commands run as root (nkd does not use sudo).' },
          privateKeyFile: { type: 'string', minLength: 1, description: 'Private key nkd logs in with (OpenSSH or PEM, without a passphrase), relative to the cluster file; its public key must be in the user\'s authorized_keys on each such host. Required when a node is existing or convert.' },
        },
      },
    },
  },
  nodeSchema: {
    type: 'object',
    additionalProperties: false,
    description: 'Bare metal: this host\'s own settings.',
    properties: {
      provision: {
        type: 'string', enum: ['pxe', 'existing', 'convert'],
        description: 'How the host becomes a node (default pxe). pxe: it boots from the network and installs NestOS (nkd\'s boot service). ' +
          'existing: it already runs NestOS or a general-purpose Linux (os) and is brought into the cluster over SSH alone, nothing installed. ' +
          'convert: it runs a general-purpose Linux that nkd replaces with NestOS (its install device is wiped): over SSH, nkd kexecs it into the NestOS live installer (the x2NestOS path).',
      },
      os: { type: 'string', enum: ['nestos', 'linux'], description: 'provision: existing only, and required there: what the host runs (nestos: NestOS, whose first boot rebases to the release image; linux: a general-purpose Linux with a container runtime, kubelet and kubeadm installed).' },
      sshAddress: { type: 'string', minLength: 1, description: 'provision: existing or convert: where nkd reaches the host over SSH (default: the node\'s ip).' },
      sshPort: { type: 'integer', minimum: 1, maximum: 65535, description: 'provision: existing or convert: the host\'s SSH port (default 22).' },
      sshHostKey: {
        type: 'string', minLength: 1,
        description: 'provision: existing or convert, and required there: the host\'s own SSH host public key, one OpenSSH line (the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host). nkd refuses a host that presents another key; it never trusts a key on first use.',
      },
      installDevice: { type: 'string', minLength: 1, description: 'Disk nestos-installer writes NestOS to on this host (overrides baremetal.installDevice).' },
      bmc: {
        type: 'object',
        additionalProperties: false,
        required: ['address'],
        description: 'The host\'s baseboard management controller, for power control (nkd powers the host on to PXE-boot it).',
        properties: {
          protocol: { type: 'string', enum: ['redfish', 'ipmi'], default: 'redfish', description: 'How nkd talks to the BMC.' },
          address: { type: 'string', minLength: 1, description: 'BMC host name or IP, optionally with :port (IPMI: UDP 623 by default; Redfish: https:// is implied, 443 by default).' },
          username: { type: 'string', minLength: 1, description: 'BMC user.' },
          passwordEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$', description: 'Environment variable holding the BMC password (never the password itself in this file).' },
          caFile: { type: 'string', minLength: 1, description: 'Redfish: PEM file the BMC\'s TLS certificate must chain to (BMCs mostly have self-signed ones: give that certificate); without it the system\'s CAs. Verification is never turned off.' },
        },
      },
    },
  },
  typeNames: { section: 'BareMetalPlatform', node: 'BareMetalNode', nested: { '/properties/ssh': 'BareMetalSsh' }, nodeNested: { '/properties/bmc': 'BareMetalBmc' } },
  movedFields: { 'spec.nodes[].installDevice': 'spec.nodes[].baremetal.installDevice' },
  nodeNetwork: { requiredForStaticIps: true },
  validate(c, p) {
    const b = c.spec.baremetal!;
    if (!b.httpAddress) p.error('spec.baremetal.httpAddress', 'required field is missing', 'set the address of this machine that the hosts reach to fetch their boot configs');
    if (b.boot === 'pxe' && !b.tftpAddress) p.error('spec.baremetal.tftpAddress', 'required field is missing: boot is pxe', 'set the TFTP server address, or use boot: ipxe');
    validateProvision(c, p);
  },
  referencedFiles: (c) => (c.spec.baremetal?.ssh?.privateKeyFile ? [['spec.baremetal.ssh.privateKeyFile', c.spec.baremetal.ssh.privateKeyFile]] : []),
  template: {
    cidr: '10.30.0.0/24',
    networkNote: 'the node network: static address, gateway, DNS',
    bindingHints: true,
    macNote: 'the boot interface of this host',
    section: ({ address }) => [
      '  baremetal:',
      '    boot: ipxe                       # ipxe: iPXE scripts over HTTP; pxe: TFTP',
      `    httpAddress: ${address(2)}           # this machine, as the hosts see it`,
      '    httpPort: 9080',
      '    installDevice: /dev/sda',
      '    # the NestOS live images the hosts boot to install (served over HTTP by you, not nkd)',
      `    kernelURL: http://${address(2)}:8080/nestos-live-kernel-x86_64`,
      `    initrdURL: http://${address(2)}:8080/nestos-live-initramfs.x86_64.img`,
      `    rootfsURL: http://${address(2)}:8080/nestos-live-rootfs.x86_64.img`,
    ],
  },
  sizedNodes: false,
  sshHostKeys: true,
  // an existing host keeps its own key; a converted one gets NestOS and the key nkd makes
  ownHostKey: (n) => (n.baremetal?.provision === 'existing' ? n.baremetal.sshHostKey : undefined),
  boot: {
    kind: 'two-stage',
    via: 'nkd\'s boot service (PXE/iPXE)',
    secondStageSource: (c, n) => secretBundleUrl(c.spec.baremetal?.httpAddress ?? '', c.spec.baremetal?.httpPort ?? 9080, n.name),
  },
  provider: providerHalf,
};
