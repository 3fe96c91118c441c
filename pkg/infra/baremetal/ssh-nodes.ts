/**
 * The bare-metal hosts nkd reaches over SSH before they are nodes: `provision: existing` (a
 * running NestOS or general-purpose Linux brought into the cluster as it is) and `provision:
 * convert` (a running Linux replaced by NestOS through kexec). Each is reached at its own
 * address with its own host key pinned from the cluster file; this file reads those fields and
 * checks them, every problem with its field path and fix (the platform's validate and the
 * provider's settings use the same reading).
 */
import { isAbsolute, resolve } from 'node:path';
import type { BareMetalNode, ClusterConfig } from '../../config/types.gen.js';
import type { Problems } from '../../config/problems.js';
import { parseHostKey } from '../ssh/host-key.js';
import { ipxeProblems } from './ipxe.js';

/** How a bare-metal host becomes a node. */
export type Provision = NonNullable<BareMetalNode['provision']>;

/** One host nkd reaches over SSH with its own pinned host key. */
export interface SshNode {
  node: string;
  provision: 'existing' | 'convert';
  /** What an existing host runs (absent for convert: a general-purpose Linux by definition). */
  os?: 'nestos' | 'linux';
  address: string;
  port: number;
  /** The host's own host key (`nodes[].baremetal.sshHostKey`), pinned. */
  hostKey: string;
  /** The field it came from, for messages. */
  hostKeyField: string;
  mac?: string;
}

/** How nkd logs in to those hosts. */
export interface SshLogin {
  user: string;
  /** Absolute path of the private key file. */
  privateKeyFile: string;
}

/** A node's provision (default pxe). */
export function provisionOf(n: { baremetal?: BareMetalNode }): Provision {
  return n.baremetal?.provision ?? 'pxe';
}

/** Whether any node boots the NestOS live installer (pxe or convert): the boot service and the live images are needed. */
export function needsLiveInstaller(c: ClusterConfig): boolean {
  return c.spec.nodes.some((n) => provisionOf(n) !== 'existing');
}

/** The hosts reached over SSH, as the cluster file gives them (validated first). */
export function sshNodesFrom(c: ClusterConfig): SshNode[] {
  return c.spec.nodes.flatMap((n, i) => {
    const b = n.baremetal;
    const p = provisionOf(n);
    if (p === 'pxe' || !b?.sshHostKey) return [];
    const address = b.sshAddress ?? n.ip;
    if (!address) return [];
    return [{
      node: n.name, provision: p, ...(p === 'existing' && b.os ? { os: b.os } : {}),
      address, port: b.sshPort ?? 22, hostKey: b.sshHostKey, hostKeyField: `spec.nodes[${i}].baremetal.sshHostKey`,
      ...(n.mac ? { mac: n.mac.toLowerCase() } : {}),
    }];
  });
}

/** The login for those hosts, the key file resolved against `baseDir` (the cluster file's folder). */
export function sshLoginFrom(c: ClusterConfig, baseDir = process.cwd()): SshLogin | undefined {
  const s = c.spec.baremetal?.ssh;
  if (!s?.privateKeyFile) return undefined;
  return { user: s.user ?? 'root', privateKeyFile: isAbsolute(s.privateKeyFile) ? s.privateKeyFile : resolve(baseDir, s.privateKeyFile) };
}

/** The semantic checks of the provision fields (see the file comment). */
export function validateProvision(c: ClusterConfig, p: Problems): void {
  const b = c.spec.baremetal!;
  let overSsh = 0;
  c.spec.nodes.forEach((n, i) => {
    const at = `spec.nodes[${i}]`;
    const own = n.baremetal;
    const prov = provisionOf(n);
    if (prov !== 'existing' && !n.mac) {
      p.error(`${at}.mac`, `required field is missing on bare metal (provision: ${prov}): the MAC identifies the host ${prov === 'pxe' ? 'when it boots' : 'before nkd wipes its disk'}`, 'set the MAC address of the host\'s boot interface');
    }
    if (prov !== 'existing' && own?.os) p.error(`${at}.baremetal.os`, `only for provision: existing (this node is ${prov}: it gets NestOS)`, 'remove it, or set provision: existing');
    if (prov === 'pxe') {
      for (const f of ['sshAddress', 'sshHostKey'] as const) {
        if (own?.[f]) p.error(`${at}.baremetal.${f}`, 'only for provision: existing or convert (a network-installed host gets the host key nkd makes for it)', 'remove it, or set provision: existing or convert');
      }
      return;
    }
    overSsh++;
    if (prov === 'existing' && !own?.os) p.error(`${at}.baremetal.os`, 'required field is missing: provision is existing, and nkd starts a different first-boot unit on NestOS and on a general-purpose Linux', 'set os: nestos or os: linux');
    if (!own?.sshAddress && !n.ip) p.error(`${at}.baremetal.sshAddress`, `required field is missing: provision is ${prov}, the node has no ip, and nkd reaches the host over SSH`, `set ${at}.ip or ${at}.baremetal.sshAddress`);
    const field = `${at}.baremetal.sshHostKey`;
    if (!own?.sshHostKey) {
      p.error(field, `required field is missing: provision is ${prov}, and nkd pins the host's own SSH host key (it never trusts a key on first use)`, 'give the host\'s public key line: the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host (check its fingerprint there with ssh-keygen -lf)');
    } else {
      try {
        parseHostKey(own.sshHostKey, field);
      } catch (e) {
        p.error(field, (e as Error).message.slice(field.length + 2), 'give one OpenSSH public-key line, e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host');
      }
    }
  });
  if (overSsh > 0 && !b.ssh?.privateKeyFile) {
    p.error('spec.baremetal.ssh.privateKeyFile', `required field is missing: ${overSsh} ${overSsh === 1 ? 'node is' : 'nodes are'} reached over SSH (provision: existing or convert)`, 'give the private key nkd logs in with (its public key in the login user\'s authorized_keys on those hosts)');
  }
  // pxe-only clusters render without the live images (GitOps); deploy asks for them (settings.ts)
  const converted = c.spec.nodes.filter((n) => provisionOf(n) === 'convert').map((n) => n.name);
  if (converted.length > 0) {
    for (const f of ['kernelURL', 'initrdURL', 'rootfsURL'] as const) {
      if (!b[f]) p.error(`spec.baremetal.${f}`, `required field is missing: ${converted.join(', ')} (provision: convert) ${converted.length === 1 ? 'boots' : 'boot'} the NestOS live installer from it`, 'give the URL of the NestOS release\'s live image (served over HTTP by you, not nkd)');
    }
    // what deploy would refuse to put on the installer's kernel command line, refused here first
    for (const x of ipxeProblems(c)) {
      // a missing value has its own message above (mac) or is deploy's to ask for (pxe images)
      if (!x.message.startsWith('required field is missing') && !x.message.startsWith('invalid value ""')) p.error(x.path, x.message, 'fix the field: it goes into the NestOS live installer\'s kernel command line');
    }
  }
}
