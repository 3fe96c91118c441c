import { plural } from '../ui/output.js';
import { defaultKubernetesVersion } from './versions.js';
import { formatIPv4, nthAddress, parseCidr, type Cidr } from './net.js';
import { usageError } from '../ui/errors.js';
import { platformNamed } from '../infra/registry.js';

/** Options of `nkd template`. */
export interface TemplateOptions {
  /** A registered platform with a template (Platform.template). */
  platform: string;
  controlPlanes: number;
  workers: number;
  name?: string;
}

const FIRST_HOST = 11;

/** A line with its comment in the template's comment column. */
function commented(line: string, comment: string): string {
  return `${line.padEnd(36)} # ${comment}`;
}

/**
 * A complete, commented cluster file that `nkd validate` accepts: N control-plane and M worker
 * nodes with addresses from the platform's default network, and a VIP when N > 1.
 */
export function clusterTemplate(o: TemplateOptions): string {
  if (!Number.isInteger(o.controlPlanes) || o.controlPlanes < 1) throw usageError(`--control-planes: invalid value "${o.controlPlanes}"`, 'use a whole number of at least 1 (1, 3 or 5)');
  if (!Number.isInteger(o.workers) || o.workers < 0) throw usageError(`--workers: invalid value "${o.workers}"`, 'use a whole number of at least 0');
  const t = platformNamed(o.platform, '--platform').template;
  if (!t) throw usageError(`--platform: ${o.platform} has no cluster file template`, 'write the platform section by hand (docs/config-reference.md)');
  const net = parseCidr(t.cidr) as Cidr;
  const capacity = 254 - FIRST_HOST;
  if (o.controlPlanes + o.workers > capacity) {
    throw usageError(`--workers: ${o.controlPlanes + o.workers} nodes do not fit the default network ${net.text} (at most ${capacity})`, 'write the template with fewer nodes and add the others with your own addresses');
  }
  const name = o.name ?? 'demo';
  const ha = o.controlPlanes > 1;
  const gateway = formatIPv4(nthAddress(net, 1));
  const ip = (i: number) => formatIPv4(nthAddress(net, FIRST_HOST + i));
  const mac = (i: number) => `52:54:00:00:${(Math.floor(i / 256) % 256).toString(16).padStart(2, '0')}:${(i % 256).toString(16).padStart(2, '0')}`;
  const nodes: string[] = [];
  for (let i = 0; i < o.controlPlanes + o.workers; i++) {
    const cp = i < o.controlPlanes;
    const nodeName = cp ? `master-${i + 1}` : `worker-${i - o.controlPlanes + 1}`;
    nodes.push(`    - name: ${nodeName}`, `      role: ${cp ? 'control-plane' : 'worker'}`, `      ip: ${ip(i)}`);
    if (t.macNote !== undefined) nodes.push(`      mac: "${mac(i + 1)}"${t.macNote ? `   # ${t.macNote}` : ''}`);
  }
  const section = t.section({ name, address: (n) => formatIPv4(nthAddress(net, n)) });
  return [
    `# nkd cluster file (${o.platform}, ${plural(o.controlPlanes, 'control-plane node')} + ${plural(o.workers, 'worker node')}).`,
    '# Check it with `nkd validate -f <file>`; every field: docs/config-reference.md.',
    'apiVersion: nkd.nestos.openeuler.org/v1alpha1',
    'kind: Cluster',
    'metadata:',
    `  name: ${name}                         # names every resource nkd creates`,
    'spec:',
    `  platform: ${o.platform}`,
    commented('  network:', t.networkNote),
    `    cidr: ${net.text}`,
    commented(`    # gateway: ${gateway}`, 'default: the first address of cidr'),
    commented(`    # dnsServers: [${gateway}]`, 'default: [gateway]'),
    ...(!t.bindingHints
      ? []
      : [commented('    # interface: enp1s0', 'the NIC the profile binds to for a node without mac'), commented('    # vlan: 100', '802.1Q id: the address goes on device vlan100')]),
    ...section,
    '  nodeDefaults:                      # per node: cpus, memoryMiB, diskGiB override these',
    '    controlPlane: { cpus: 2, memoryMiB: 4096, diskGiB: 30 }',
    '    worker: { cpus: 2, memoryMiB: 4096, diskGiB: 30 }',
    '  nodes:                             # the first control-plane node runs kubeadm init',
    ...nodes,
    '  kubernetes:',
    `    version: "${defaultKubernetesVersion()}"                # a string: quote it`,
    '    controlPlaneEndpoint:',
    ...(ha
      ? [
          `      host: ${formatIPv4(nthAddress(net, 10))}              # the VIP, a free address in the node network`,
          '      port: 6443',
          '      vip: { enabled: true, provider: kube-vip, interface: eth0 }',
        ]
      : ['      port: 6443                     # host defaults to the first control-plane node\'s ip']),
    '    networking:',
    '      serviceSubnet: 10.96.0.0/12',
    '      podSubnet: 10.244.0.0/16         # must match the CNI',
    '      dnsDomain: cluster.local',
    '    imageRepository: registry.k8s.io',
    '    cni:',
    '      manifest: https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml',
    '  containerRuntime:',
    '    type: containerd                 # containerd, crio, isulad or docker',
    '    registryMirrors: []              # e.g. [{ registry: docker.io, endpoints: [https://mirror.example.com] }]',
    '  os:',
    '    # The NestOS release image carrying kubeadm and the kubelet, pinned by digest.',
    '    # Replace the placeholder digest with your image\'s (skopeo inspect shows it).',
    `    releaseImage: hub.oepkgs.net/nestos/nestos-k8s@sha256:${'0'.repeat(64)}`,
    '    ignitionVersion: "3.2.0"',
    '  access:',
    '    user: nest',
    '    sshAuthorizedKeys:',
    '      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderReplaceWithYourOwnPublicKey0000 you@example.com',
    '    # passwordHash: "$6$..."          # from `openssl passwd -6`; omit for key-only login',
    '  certificates:',
    '    # keyType: ecdsa-p256            # unset: ecdsa-p256 from Kubernetes 1.31, where kubeadm makes its own keys',
    '    #                                # ECDSA too (encryptionAlgorithm); rsa-2048 below (kubeadm < 1.31 makes only',
    '    #                                # RSA). An ECDSA key takes ~1 ms to make (RSA-2048: 100+ ms) and its',
    '    #                                # certificates are half the size. A rendered directory keeps its type.',
    '    leafCertificates: kubeadm        # kubeadm makes leaf certificates and component kubeconfigs on each node',
    '    #                                # from the CAs nkd ships; nkd: render them too (expiry in nkd status)',
    '    caValidityDays: 3650',
    '    leafValidityDays: 365',
    '  hooks:',
    '    preScripts: []                   # [{ name: setup.sh, path: ./setup.sh }] run before kubeadm',
    '    postManifests: []                # applied once the cluster is up',
    '  upgradeOperator:',
    '    enabled: true',
    '',
  ].join('\n');
}
