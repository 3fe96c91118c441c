import { parseIPv4, type Cidr } from './net.js';
import { checkNetworks, misplacedIn } from './network-checks.js';
import { Problems } from './problems.js';
import { minorOf, parseVersion, supportedKubernetesMinors } from './versions.js';
import { operatorImageOf } from './resolve.js';
import type { ClusterConfig } from './types.gen.js';
import { allPlatforms, platformNamed } from '../infra/registry.js';

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/**
 * Checks what the schema cannot: uniqueness, networks, roles, versions, the endpoint and
 * platform sections. Runs on a shape-valid document with defaults filled.
 */
export function checkSemantics(c: ClusterConfig): Problems {
  const p = new Problems();
  checkNodes(c, p);
  const nodeNet = checkNetworks(c, p);
  checkEndpoint(c, p, nodeNet);
  checkVersion(c, p);
  checkPlatform(c, p);
  checkMisc(c, p);
  checkLeafValidity(c, p);
  checkNodeMetadata(c, p);
  checkCertificatesAndImages(c, p);
  return p;
}

/** Label and taint keys: an optional DNS-subdomain prefix and `/`, then a name of at most 63. */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Label values: empty, or at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** A kubelet flag name as kubeadm's kubeletExtraArgs want it: no leading dashes. */
const FLAG_NAME = /^[a-z0-9][a-z0-9-]*$/;

function checkNodeMetadata(c: ClusterConfig, p: Problems): void {
  const keyHint = 'a label key is [prefix/]name: name at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit; prefix a DNS subdomain';
  const valueHint = 'a value is empty or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  c.spec.nodes.forEach((n, i) => {
    for (const [k, v] of Object.entries(n.labels)) {
      const at = `spec.nodes[${i}].labels`;
      if (!QUALIFIED_NAME.test(k) || k.split('/')[0]!.length > 253) p.error(at, `invalid label key ${JSON.stringify(k)}: the kubelet refuses it at first boot`, keyHint);
      else if (!LABEL_VALUE.test(v)) p.error(`${at}.${k}`, `invalid label value ${JSON.stringify(v)}: the kubelet refuses it at first boot`, valueHint);
    }
    n.taints.forEach((t, j) => {
      const at = `spec.nodes[${i}].taints[${j}]`;
      if (!QUALIFIED_NAME.test(t.key)) p.error(`${at}.key`, `invalid value ${JSON.stringify(t.key)}: not a taint key`, keyHint.replace('label', 'taint'));
      if (t.value !== undefined && !LABEL_VALUE.test(t.value)) p.error(`${at}.value`, `invalid value ${JSON.stringify(t.value)}: not a taint value`, valueHint);
    });
    for (const k of Object.keys(n.kubeletExtraArgs)) {
      if (FLAG_NAME.test(k)) continue;
      const bare = k.replace(/^-+/, '');
      p.error(`spec.nodes[${i}].kubeletExtraArgs`, `invalid flag name ${JSON.stringify(k)}: kubeadm adds the leading "--" itself`, FLAG_NAME.test(bare) ? `write ${bare}` : 'write the kubelet flag name in lower case without "--", e.g. node-ip');
    }
    if (n.mac && (parseInt(n.mac.slice(0, 2), 16) & 1) === 1) {
      p.error(`spec.nodes[${i}].mac`, `invalid value "${n.mac}": a multicast address (the first byte is odd); a network interface needs a unicast MAC`, 'use a unicast address, e.g. one starting 52:54:00');
    }
  });
}

function checkCertificatesAndImages(c: ClusterConfig, p: Problems): void {
  const cert = c.spec.certificates;
  if (cert.leafValidityDays > cert.caValidityDays) {
    p.error('spec.certificates.leafValidityDays', `invalid value ${cert.leafValidityDays}: longer than caValidityDays (${cert.caValidityDays}); a certificate cannot outlive its CA`, `use at most ${cert.caValidityDays}, or raise caValidityDays`);
  }
  const img = c.spec.os.releaseImage;
  const at = img.indexOf('@');
  if (at >= 0 && !/^sha256:[0-9a-f]{64}$/.test(img.slice(at + 1))) {
    p.error('spec.os.releaseImage', `invalid value ${JSON.stringify(img)}: malformed digest "${img.slice(at + 1)}"`, 'a digest is sha256: and 64 lower-case hex digits (skopeo inspect shows it)');
  }
  if (c.spec.access.sshAuthorizedKeys.some((k) => /placeholder/i.test(k))) {
    p.warn('spec.access.sshAuthorizedKeys', 'holds the example\'s placeholder key: nobody can log in with it', 'replace it with your public key (cat ~/.ssh/id_ed25519.pub)');
  }
  const op = c.spec.upgradeOperator;
  if (op.enabled && op.image === undefined) {
    p.warn('spec.upgradeOperator.image', `not set: deploy installs ${operatorImageOf(c)}, which nkd does not publish`, `build and push it with hack/operator-image.sh${operatorImageOf(c).startsWith('localhost/') ? ' (and load it on every node, or set kubernetes.imageRepository to your registry)' : ''}, or set image`);
  }
}

function checkNodes(c: ClusterConfig, p: Problems): void {
  const seen = { name: new Map<string, number>(), ip: new Map<string, number>(), mac: new Map<string, number>() };
  c.spec.nodes.forEach((n, i) => {
    for (const key of ['name', 'ip', 'mac'] as const) {
      const raw = n[key];
      if (raw === undefined) continue;
      const v = key === 'mac' ? raw.toLowerCase() : raw;
      const first = seen[key].get(v);
      if (first !== undefined) {
        p.error(`spec.nodes[${i}].${key}`, `duplicate ${key} "${raw}": spec.nodes[${first}] (${c.spec.nodes[first]!.name}) has it too`, `give each node its own ${key}`);
      } else seen[key].set(v, i);
    }
  });
  c.spec.nodes.forEach((n, i) => {
    if (n.role === 'control-plane' && !n.ip) {
      p.error(`spec.nodes[${i}].ip`, `required for control-plane node ${n.name}`, 'give every control-plane node a static ip: its API server and etcd certificates carry it');
    }
  });
  const cps = c.spec.nodes.filter((n) => n.role === 'control-plane');
  if (cps.length === 0) {
    p.error('spec.nodes', 'no control-plane node', 'set role: control-plane on at least one node (1, 3 or 5 of them)');
  } else if (cps.length % 2 === 0) {
    p.warn('spec.nodes', `${cps.length} control-plane nodes: etcd tolerates no more failures with ${cps.length} members than with ${cps.length - 1}`, 'use an odd number (1, 3 or 5)');
  }
}

function checkEndpoint(c: ClusterConfig, p: Problems, nodeNet: Cidr | undefined): void {
  const ep = c.spec.kubernetes.controlPlaneEndpoint;
  const path = 'spec.kubernetes.controlPlaneEndpoint.host';
  const cps = c.spec.nodes.filter((n) => n.role === 'control-plane');
  if (ep.host === undefined) {
    if (ep.vip.enabled) p.error(path, 'required when vip.enabled is true', 'set host to a free address in the node network for the VIP');
    else p.error(path, 'required when the first control-plane node has no ip', 'set host to a load balancer or DNS name, or give the first control-plane node an ip');
    return;
  }
  const host = ep.host;
  if (/^[a-z]+:\/\//i.test(host) || host.includes('/')) {
    p.error(path, `invalid value "${host}": a host name or IP, not a URL`, 'write only the host; the port goes to controlPlaneEndpoint.port');
    return;
  }
  if (host.includes(':')) {
    p.error(path, `invalid value "${host}": no certificate could cover it (a port or an IPv6 address)`, 'write the host alone and put the port in controlPlaneEndpoint.port');
    return;
  }
  const looksIp = /^[0-9.]+$/.test(host);
  const ip = looksIp ? parseIPv4(host) : undefined;
  if (looksIp && ip === undefined) {
    p.error(path, `invalid value "${host}": not an IPv4 address, so no certificate could cover it`, 'write a valid IPv4 address or a DNS name');
    return;
  }
  if (!looksIp && !DNS_NAME.test(host)) {
    p.error(path, `invalid value "${host}": not a valid DNS name, so no certificate could cover it`, 'use lower-case letters, digits, "-" and "." (no wildcards, no underscores)');
    return;
  }
  if (ep.vip.enabled) {
    if (ip === undefined) {
      p.error(path, `invalid value "${host}": a VIP must be an IPv4 address`, 'set host to a free address in the node network');
    } else {
      const owner = c.spec.nodes.find((n) => n.ip === host);
      if (owner) p.error(path, `invalid value "${host}": node ${owner.name} already has this address`, 'the VIP needs an address no node has');
      const where = nodeNet && misplacedIn(nodeNet, ip);
      if (nodeNet && where === 'outside') p.error(path, `invalid value "${host}": the VIP is outside the node network spec.network.cidr "${nodeNet.text}"`, `use a free address in ${nodeNet.text}`);
      else if (nodeNet && where === 'reserved') p.error(path, `invalid value "${host}": the network or broadcast address of ${nodeNet.text}`, `use a free host address in ${nodeNet.text}`);
      else if (ip === parseIPv4(c.spec.network?.gateway ?? '')) p.error(path, `invalid value "${host}": the gateway's address (spec.network.gateway)`, 'the VIP needs an address no host has');
    }
  } else if (cps.length > 1 && cps[0]?.ip === host) {
    p.warn(path, `the endpoint is the first control-plane node (${cps[0].name}): when it is down, the API is unreachable although ${cps.length - 1} more control-plane nodes run`, 'enable controlPlaneEndpoint.vip or set host to a load balancer');
  }
}

function checkVersion(c: ClusterConfig, p: Problems): void {
  const v = c.spec.kubernetes.version;
  const parsed = parseVersion(v);
  if (!parsed) return; // the schema reported it
  const supported = supportedKubernetesMinors();
  if (!supported.includes(minorOf(v))) {
    p.error('spec.kubernetes.version', `unsupported Kubernetes version "${v}"`, `use a version of ${supported.join(', ')}`);
  }
  const os = c.spec.os;
  if (os.cgroupVersion === 'v2' && os.ignitionVersion === '3.2.0') {
    p.error('spec.os.cgroupVersion', 'v2 needs the kernel argument systemd.unified_cgroup_hierarchy=1, which Ignition 3.2.0 cannot set', 'set spec.os.ignitionVersion: 3.3.0 (or newer), or cgroupVersion: v1');
  }
  if (os.cgroupVersion === 'v1' && parsed.major === 1 && parsed.minor >= 35) {
    p.warn(
      'spec.os.cgroupVersion',
      `the hosts boot cgroup v1, which Kubernetes ${minorOf(v)} deprecates: nkd runs the kubelet with failCgroupV1: false and lets kubeadm's preflight pass its cgroup check (SystemVerification)`,
      'boot the hosts with cgroup v2: spec.os.ignitionVersion: 3.3.0 (cgroupVersion then defaults to v2)',
    );
  }
  if (c.spec.containerRuntime.restrictOOMScoreAdj && c.spec.containerRuntime.type !== 'containerd') {
    p.error('spec.containerRuntime.restrictOOMScoreAdj', `only containerd has this setting, the runtime is ${c.spec.containerRuntime.type}`, 'remove restrictOOMScoreAdj or set containerRuntime.type: containerd');
  }
  const img = c.spec.os.releaseImage;
  if (!/@sha256:[0-9a-f]{64}$/.test(img)) {
    p.warn('spec.os.releaseImage', `"${img}" is not pinned by digest: a tag can move, and nodes could boot different images`, 'write it as registry/repo@sha256:<digest> (skopeo inspect shows the digest)');
  } else if (/@sha256:0{64}$/.test(img)) {
    p.warn('spec.os.releaseImage', 'the digest is all zeros: a placeholder', 'replace it with your release image\'s digest');
  }
}

/**
 * The platform's section is there and passes the platform's own checks; the other platforms'
 * sections (and per-node fields) are ignored, which is worth a warning.
 */
function checkPlatform(c: ClusterConfig, p: Problems): void {
  const s = c.spec as unknown as Record<string, unknown> & { platform: string };
  const own = platformNamed(s.platform);
  for (const other of allPlatforms()) {
    if (other.name === own.name) continue;
    if (s[other.name] !== undefined) p.warn(`spec.${other.name}`, `ignored: platform is ${own.name}`, `remove spec.${other.name} or set platform: ${other.name}`);
    c.spec.nodes.forEach((n, i) => {
      if ((n as unknown as Record<string, unknown>)[other.name] !== undefined) p.warn(`spec.nodes[${i}].${other.name}`, `ignored: platform is ${own.name}`, `remove it or set platform: ${other.name}`);
    });
  }
  if (s[own.name] === undefined) {
    p.error(`spec.${own.name}`, `required field is missing: platform is ${own.name}`, `add a spec.${own.name} section (nkd template --platform ${own.name} writes one)`);
    return;
  }
  own.validate?.(c, p);
}

function checkMisc(c: ClusterConfig, p: Problems): void {
  const s = c.spec;
  s.hooks.preScripts.forEach((h, i) => {
    if (h.name === '.' || h.name === '..') p.error(`spec.hooks.preScripts[${i}].name`, `invalid value "${h.name}": not a plain file name`, 'use letters, digits, ".", "_" and "-", e.g. setup.sh');
    if ((h.path === undefined) === (h.content === undefined)) {
      p.error(`spec.hooks.preScripts[${i}]`, 'needs exactly one of path and content', 'set path to a script file, or content to the script itself');
    }
  });
  if (!s.kubernetes.cni.manifest) {
    p.warn('spec.kubernetes.cni.manifest', 'no CNI manifest: nodes stay NotReady until you apply a network plugin', 'set it to the path or URL of a CNI manifest (flannel, calico, ...)');
  }
  if (s.access.sshAuthorizedKeys.length === 0 && !s.access.passwordHash) {
    p.warn('spec.access', 'neither sshAuthorizedKeys nor passwordHash: nobody can log in to the hosts', 'add your SSH public key to spec.access.sshAuthorizedKeys');
  }
  s.containerRuntime.registryMirrors.forEach((m, i) => {
    m.endpoints.forEach((e, j) => {
      if (!/^https?:\/\//.test(e)) p.error(`spec.containerRuntime.registryMirrors[${i}].endpoints[${j}]`, `invalid value "${e}": must be an http:// or https:// URL`);
      else if (/[\s"'\\]/.test(e)) p.error(`spec.containerRuntime.registryMirrors[${i}].endpoints[${j}]`, `invalid value ${JSON.stringify(e)}: a URL cannot hold spaces, quotes or backslashes`, 'percent-encode them, e.g. %20');
    });
  });
}

/** kubeadm before 1.31 (v1beta3) makes its leaf certificates for one year, whatever nkd asks. */
function checkLeafValidity(c: ClusterConfig, p: Problems): void {
  const cert = c.spec.certificates;
  const v = parseVersion(c.spec.kubernetes.version);
  if (cert.leafCertificates === 'nkd' || cert.leafValidityDays === 365 || !v || v.major !== 1 || v.minor >= 31) return;
  p.error('spec.certificates.leafValidityDays', `${cert.leafValidityDays} days cannot apply: kubeadm before 1.31 makes the leaf certificates on the nodes, valid for 365 days`,
    'set spec.certificates.leafCertificates: nkd to have nkd make them, or remove leafValidityDays');
}
