/**
 * Converting a running Linux host to NestOS over SSH (provision: convert, the x2NestOS path):
 * with the host's own key pinned and its lock held, nkd stages the live kernel and initramfs it
 * downloaded itself (uploads by checksum; the script checks them again by SHA-256) and the
 * conversion script (pkg/host/x2nestos.ts), then runs the script, bounded. The script refuses a
 * host that is not the named node (MAC) before anything else and kexecs into the NestOS live
 * installer, whose first stage comes from nkd's boot service through a one-time, MAC-bound URL.
 * From there the host is watched like a network install (the provider's part).
 */
import { shellQuote as q } from '../../host/quote.js';
import { X2NESTOS_EXIT, X2NESTOS_STAGE_DIR, x2nestosConversion } from '../../host/x2nestos.js';
import { ExitCode, NkdError } from '../../ui/errors.js';
import { acquireHostLock, HOST_LOCK } from '../ssh/lock.js';
import { openSession } from '../ssh/session.js';
import { putFiles } from '../ssh/upload.js';
import type { Progress } from '../types.js';
import { IGNITION_PREFIX, machineKernelArgs, type IpxeBoot, type IpxeMachine } from './ipxe.js';
import { sshTargetOf, type SshCredentials } from './ssh-preflight.js';
import type { SshNode } from './ssh-nodes.js';

/** What converting one host needs. */
export interface ConvertContext {
  login: SshCredentials;
  clusterId: string;
  progress: Progress;
  boot: IpxeBoot;
  /** The live kernel and initramfs, as nkd downloaded them. */
  images: { kernel: Buffer; initrd: Buffer };
  /** A fresh one-time first-stage token for the node's MAC (the boot service redeems it). */
  token: string;
  /** The host's root (default `/`; test hosts share one file system: staging and the device lookup go under it). */
  root?: string;
  /** Bound of the conversion script (default 180 s: checksums of the images, then kexec). */
  timeoutMs?: number;
}

/** Why the script refused, by its exit code. */
const REFUSALS: Record<number, string> = {
  [X2NESTOS_EXIT.notThisNode]: 'the host is not the named node (no interface has its MAC)',
  [X2NESTOS_EXIT.noKexec]: 'kexec is not installed',
  [X2NESTOS_EXIT.stagedImage]: 'a staged live image is missing or not the one nkd sent',
  [X2NESTOS_EXIT.installDevice]: 'the install device is not a block device',
  [X2NESTOS_EXIT.kexecFailed]: 'kexec -e did not boot the installer',
};

/** The first-stage URL the live installer fetches: the boot service, the token, the MAC it is bound to. */
export function conversionIgnitionUrl(boot: IpxeBoot, token: string, mac: string): string {
  return `${boot.baseUrl}${IGNITION_PREFIX}${token}?mac=${mac}`;
}

/** Stages the live images and the script on the host and runs it (see the file comment); resolves once the host kexecs. */
export async function convertHost(n: SshNode, m: IpxeMachine, ctx: ConvertContext): Promise<void> {
  const root = ctx.root ?? '/';
  const under = root === '/' ? '' : root;
  const stageDir = `${under}${X2NESTOS_STAGE_DIR}`;
  const kernelArgs = [...machineKernelArgs(ctx.boot, m), `nestos.inst.ignition_url=${conversionIgnitionUrl(ctx.boot, ctx.token, m.mac)}`];
  const c = x2nestosConversion({ node: n.node, mac: m.mac, installDevice: m.installDevice, kernelArgs, ...ctx.images, stageDir });
  const script = `${stageDir}/convert.sh`;
  const session = await openSession(sshTargetOf(n, ctx.login));
  try {
    const lock = await acquireHostLock(session, { purpose: `nkd deploy of cluster ${ctx.clusterId}: converting ${n.node} to NestOS`, path: `${under}${HOST_LOCK}` });
    try {
      // the script carries the one-time URL: a root-only file, not a command line other users see
      await putFiles(session, [
        ...c.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode, dirMode: 0o700 })),
        { path: script, content: Buffer.from(c.script), mode: 0o700, dirMode: 0o700 },
      ]);
      ctx.progress.info(`${n.node}: live kernel and initramfs staged in ${X2NESTOS_STAGE_DIR}; running the conversion (kexec into the NestOS live installer, which wipes ${m.installDevice})`);
      const env = under ? `NKD_X2NESTOS_DEV_ROOT=${q(under)} ` : '';
      const timeoutMs = ctx.timeoutMs ?? 180_000;
      const r = await session.exec(`${env}sh ${q(script)}`, { timeoutMs, what: 'the conversion script' });
      // 0: kexec returned (a stand-in); no exit status: the connection went down with the old kernel
      if (r.code !== 0 && r.code !== null) {
        const why = REFUSALS[r.code] ?? `it exited with code ${r.code}`;
        const said = r.stderr.trim().split('\n').filter((l) => l.includes('refused')).pop() ?? r.stderr.trim().split('\n').pop() ?? '';
        throw new NkdError(`node ${n.node}: the conversion refused: ${why}${said ? ` (${said})` : ''}; nothing was wiped`, {
          code: ExitCode.Failure,
          hint: r.code === X2NESTOS_EXIT.notThisNode ? `check spec.nodes[].mac and that ${n.address} is ${n.node}` : 'fix the host and run nkd deploy again',
        });
      }
    } finally {
      await lock.release().catch(() => undefined);
    }
  } finally {
    await session.close().catch(() => undefined);
  }
}
