/**
 * Converting a running Linux host into a NestOS node over SSH (the x2NestOS path): the script
 * nkd runs there (templates/node/nkd-x2nestos.sh.hbs) and the files it stages first. The script
 * refuses before anything else on a host that is not the named node (the node's MAC must be on
 * one of its interfaces), then checks kexec, the staged live kernel and initramfs by SHA-256
 * and the install device, and kexecs into the NestOS live installer with the node's install
 * arguments, first-stage URL and static network (`ip=`/`nameserver=`, which x2NestOS omits).
 */
import { createHash } from 'node:crypto';
import { renderNodeTemplate } from './templates.js';

/** Where the live kernel and initramfs are staged on the host. */
export const X2NESTOS_STAGE_DIR = '/var/tmp/nkd-x2nestos';

/** The script's exit codes: each refusal has its own. */
export const X2NESTOS_EXIT = {
  notThisNode: 10,
  noKexec: 11,
  stagedImage: 12,
  installDevice: 13,
  kexecFailed: 14,
} as const;

/** What the script is made of. */
export interface X2NestosInputs {
  node: string;
  /** The node's boot MAC (lower case, colons), as the host's /sys/class/net reports it. */
  mac: string;
  installDevice: string;
  /** The live installer's kernel arguments: install device, first-stage URL, rootfs URL, static network. */
  kernelArgs: string[];
  kernel: Buffer;
  initrd: Buffer;
  /** Where to stage them (default {@link X2NESTOS_STAGE_DIR}). */
  stageDir?: string;
}

/** A file to stage on the host before the script runs. */
export interface StagedFile {
  path: string;
  content: Buffer;
  mode: number;
  sha256: string;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The files to upload (kernel, initramfs) and the script that checks and boots them. */
export function x2nestosConversion(i: X2NestosInputs): { files: StagedFile[]; script: string } {
  const dir = i.stageDir ?? X2NESTOS_STAGE_DIR;
  const kernel = { path: `${dir}/vmlinuz`, content: i.kernel, mode: 0o600, sha256: sha256(i.kernel) };
  const initrd = { path: `${dir}/initrd.img`, content: i.initrd, mode: 0o600, sha256: sha256(i.initrd) };
  const script = renderNodeTemplate('nkd-x2nestos.sh', {
    node: i.node, mac: i.mac.toLowerCase(), stageDir: dir, installDevice: i.installDevice,
    kernelSum: kernel.sha256, initrdSum: initrd.sha256, cmdline: i.kernelArgs.join(' '),
  });
  return { files: [kernel, initrd], script };
}
