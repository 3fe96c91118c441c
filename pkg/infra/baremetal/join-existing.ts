/**
 * Bringing an existing host (provision: existing) into the cluster over SSH alone: under the
 * host's lock, the node's whole config — its first stage and its secret bundle, read from the
 * cluster directory and never served — minus what the host keeps (its host key, its accounts;
 * pkg/host/existing-host.ts) is applied with uploads by checksum and atomic renames, then the
 * first-boot chain's units are started. Re-running converges: what matches is left alone.
 */
import { readFile } from 'node:fs/promises';
import type { IgnitionConfig } from '../../ignition/types.js';
import { shellQuote as q } from '../../host/quote.js';
import { existingHostPlan, servicesToRestart, wholeConfig } from '../../host/existing-host.js';
import { NkdError } from '../../ui/errors.js';
import { applyIgnition } from '../ssh/apply.js';
import { acquireHostLock, HOST_LOCK } from '../ssh/lock.js';
import { openSession } from '../ssh/session.js';
import type { DesiredNode, Progress } from '../types.js';
import { sshTargetOf, type SshCredentials } from './ssh-preflight.js';
import type { SshNode } from './ssh-nodes.js';

/** What joining one host needs. */
export interface JoinContext {
  login: SshCredentials;
  clusterId: string;
  progress: Progress;
  /** The host's root (default `/`; test hosts share one file system). */
  root?: string;
}

/** What a join did, for the log and the tests. */
export interface JoinResult {
  files: number;
  changedFiles: number;
  /** Running services restarted because the join changed what they read at start. */
  restarted: string[];
  started: string[];
  leftOut: string[];
}

async function readIgnition(path: string, what: string): Promise<IgnitionConfig> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new NkdError(`cannot read ${what} ${path}: ${e.code ?? e.message}`, { hint: 'run nkd render (or deploy) on this cluster directory again' });
  });
  return JSON.parse(text) as IgnitionConfig;
}

/** Applies the node's config to the existing host `n` and starts its first-boot chain (see the file comment). */
export async function joinExistingHost(n: SshNode, d: DesiredNode, ctx: JoinContext): Promise<JoinResult> {
  if (!n.os) throw new NkdError(`internal: existing node ${n.node} has no os`);
  if (!d.secretBundle) throw new NkdError(`internal: node ${n.node} has no secret bundle (render writes one on bare metal)`);
  const whole = wholeConfig(await readIgnition(d.ignitionPath, `the first stage of ${n.node}`), await readIgnition(d.secretBundle.path, `the secret bundle of ${n.node}`));
  const plan = existingHostPlan(whole, n.os);
  const session = await openSession(sshTargetOf(n, ctx.login));
  try {
    const root = ctx.root ?? '/';
    const lock = await acquireHostLock(session, { purpose: `nkd deploy of cluster ${ctx.clusterId}, node ${n.node}`, path: `${root === '/' ? '' : root}${HOST_LOCK}` });
    try {
      const applied = await applyIgnition(session, plan.config, { root });
      const changed = applied.files.filter((f) => f.outcome !== 'unchanged').map((f) => f.path);
      const restart = servicesToRestart(root === '/' ? changed : changed.map((p) => p.slice(root.length)));
      // the host is up: its runtime and kernel settings are re-read now, not at a boot that does not come
      if (restart.length) await session.run(`systemctl try-restart -- ${restart.map(q).join(' ')}`, { timeoutMs: 120_000, what: `restarting ${restart.join(', ')}` });
      for (const unit of plan.start) {
        // --no-block: the chain runs on the host (a NestOS pivot reboots it); nkd watches the cluster instead
        await session.run(`systemctl start --no-block -- ${q(unit)}`, { timeoutMs: 60_000, what: `starting ${unit}` });
      }
      const changedFiles = changed.length;
      ctx.progress.ok(`${n.node}: ${applied.files.length} files in place (${changedFiles} changed) on ${n.address}${restart.length ? `, restarted ${restart.join(', ')}` : ''}, started ${plan.start.join(' then ')}`);
      for (const l of plan.leftOut) ctx.progress.debug(`${n.node}: left out ${l}`);
      return { files: applied.files.length, changedFiles, restarted: restart, started: plan.start, leftOut: plan.leftOut };
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
}
