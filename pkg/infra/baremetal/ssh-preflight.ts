/**
 * Preflight of the bare-metal hosts nkd reaches over SSH (provision: existing or convert),
 * before anything changes on any of them: each is connected with its own pinned host key and
 * probed (pkg/infra/ssh/preflight.ts), all at once, and one error lists every problem of every
 * host with its fix — a host with another key (both fingerprints), one that does not answer, one
 * that is not the named machine (MAC), one that lacks what joining or converting needs.
 */
import type { RuntimeType } from '../../runtime/types.js';
import { shellQuote as q } from '../../host/quote.js';
import { ExitCode, NkdError } from '../../ui/errors.js';
import type { PreflightProblem } from '../ssh/preflight-checks.js';
import { preflightHost } from '../ssh/preflight.js';
import { hostLabel, openSession, type SshSession, type SshTarget } from '../ssh/session.js';
import type { SshNode } from './ssh-nodes.js';

/** The private key nkd logs in with, read from spec.baremetal.ssh.privateKeyFile. */
export interface SshCredentials {
  user: string;
  privateKey: string;
}

/** What the hosts are checked against, and the seams tests use. */
export interface SshPreflightOptions {
  kubernetesVersion: string;
  runtime: RuntimeType;
  /** The install device of each convert host. */
  installDevice(node: string): string;
  /** The root each host's files are looked at under (default `/`; test hosts share one file system). */
  root?(node: string): string;
  /** Checks whose problems are not counted (test hosts in network namespaces share a PID 1 that is not systemd). */
  acceptedChecks?: ReadonlyArray<PreflightProblem['check']>;
  connectTimeoutMs?: number;
}

/** The SSH target of a host, its own key pinned. */
export function sshTargetOf(n: SshNode, login: SshCredentials, hostKey = n.hostKey, hostKeyField = n.hostKeyField): SshTarget {
  return {
    name: n.node, host: n.address, port: n.port, username: login.user, privateKey: login.privateKey, hostKey, hostKeyField,
    mismatchHint: `if ${n.node} was reinstalled, put its new key in ${hostKeyField}; otherwise find out which machine answers on ${n.address}:${n.port}`,
  };
}

/** One host's problems as `message; fix: …` lines (empty: ready). */
async function checkHost(n: SshNode, login: SshCredentials, opts: SshPreflightOptions): Promise<string[]> {
  const label = hostLabel({ name: n.node, host: n.address, port: n.port });
  let s: SshSession;
  try {
    s = await openSession(sshTargetOf(n, login), { connectTimeoutMs: opts.connectTimeoutMs ?? 15_000 });
  } catch (e) {
    const err = e as NkdError;
    return [`${err.message}${err.hint ? `; fix: ${err.hint}` : ''}`];
  }
  try {
    const root = opts.root?.(n.node) ?? '/';
    const r = await preflightHost(s, { kubernetesVersion: opts.kubernetesVersion, runtime: opts.runtime, ...(n.mac ? { mac: n.mac } : {}), root });
    const accepted = new Set(opts.acceptedChecks ?? []);
    const problems: Array<Pick<PreflightProblem, 'message' | 'fix'>> = [];
    if (n.provision === 'existing') {
      problems.push(...r.problems.filter((p) => !accepted.has(p.check)));
      if (n.os && r.facts.os !== n.os) {
        const runs = r.facts.os === 'nestos' ? 'NestOS' : `a general-purpose Linux (${r.facts.osName || r.facts.osId || 'no /etc/os-release'})`;
        problems.push({ message: `the host runs ${runs}, the cluster file says os: ${n.os}`, fix: `set os: ${r.facts.os} for this node, or check that ${n.address} is the right host` });
      }
    } else {
      // a host about to be wiped needs no kubelet: only that it is the named one and can kexec
      problems.push(...r.problems.filter((p) => p.check === 'mac'));
      if (r.facts.os === 'nestos') problems.push({ message: 'the host already runs NestOS', fix: 'set provision: existing and os: nestos for this node (nothing to convert)' });
      const dev = opts.installDevice(n.node);
      const tools = await s.run(`command -v kexec >/dev/null 2>&1 && echo kexec=yes; [ -b ${q(`${root === '/' ? '' : root}${dev}`)} ] && echo dev=yes; true`, { timeoutMs: 30_000, what: 'looking for kexec and the install device' });
      if (!tools.includes('kexec=yes')) problems.push({ message: 'kexec is not on PATH', fix: 'install kexec-tools on the host (apt-get install kexec-tools, dnf install kexec-tools)' });
      if (!tools.includes('dev=yes')) problems.push({ message: `the install device ${dev} is not a block device on the host`, fix: 'set nodes[].baremetal.installDevice (or spec.baremetal.installDevice) to the disk NestOS replaces Linux on' });
    }
    return problems.map((p) => `${label}: ${p.message}; fix: ${p.fix}`);
  } catch (e) {
    return [`${(e as Error).message}`];
  } finally {
    await s.close();
  }
}

/** Checks every host at once; throws one error listing every problem of every host, before anything changed on any. */
export async function preflightSshHosts(nodes: SshNode[], login: SshCredentials, opts: SshPreflightOptions): Promise<void> {
  const found = await Promise.all(nodes.map((n) => checkHost(n, login, opts)));
  const details = found.flat();
  if (details.length === 0) return;
  const bad = found.filter((f) => f.length > 0).length;
  throw new NkdError(`bare metal: ${bad} of ${nodes.length} ${nodes.length === 1 ? 'host' : 'hosts'} reached over SSH ${bad === 1 ? 'is' : 'are'} not ready (${details.length} ${details.length === 1 ? 'problem' : 'problems'}); nothing was changed on any host`, {
    code: ExitCode.Failure,
    details,
    hint: 'fix every problem listed and run nkd deploy again',
  });
}
