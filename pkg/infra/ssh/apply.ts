/**
 * Applies an Ignition config's directories, files, units and password hashes to a running
 * host over SSH, idempotently: what already matches is reported unchanged, a re-run after an
 * interruption converges. Units land in /etc/systemd/system; then systemd reloads (only when a
 * unit file changed), enables, disables or masks, and optionally starts the one unit that
 * begins the node's first-boot chain. Under a root other than `/` (a host prepared offline, or
 * a test host sharing its file system) systemctl works on that root (`--root`) and nothing is
 * reloaded or started; with `systemctl: 'skip'` the steps are only listed.
 */
import { NkdError } from '../../ui/errors.js';
import type { IgnitionConfig } from '../../ignition/types.js';
import { shellQuote as q } from '../../host/quote.js';
import { planIgnition, type PlanOptions } from './ignition-plan.js';
import type { SshSession } from './session.js';
import { putDirectory, putFiles, type PutResult } from './upload.js';

/** Options of {@link applyIgnition}. */
export interface ApplyOptions extends PlanOptions {
  /** Run the systemctl steps (default) or only list them (hosts without systemd). */
  systemctl?: 'run' | 'skip';
  /** A unit to start after enabling (the first-boot chain entry); started with --no-block. */
  start?: string;
  /** Bound of each systemctl and chpasswd command; default 120 s. */
  timeoutMs?: number;
}

/** One systemctl (or its would-be) step. */
export interface SystemctlStep {
  command: string;
  ran: boolean;
  /** Why it did not run. */
  why?: string;
  /** It created or removed links (systemctl said so). */
  changed?: boolean;
}

/** What an apply did. */
export interface ApplyResult {
  directories: { path: string; outcome: 'unchanged' | 'created' | 'updated' }[];
  files: PutResult[];
  passwords: { name: string; outcome: 'set' | 'unchanged' }[];
  systemctl: SystemctlStep[];
  /** Sections left out because the caller said so. */
  ignored: string[];
  /** Anything on the host changed. */
  changed: boolean;
}

/** Applies `cfg` (see the module comment); refuses, before touching the host, what SSH cannot apply. */
export async function applyIgnition(session: SshSession, cfg: IgnitionConfig, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const root = opts.root ?? '/';
  const plan = planIgnition(cfg, opts);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const directories: ApplyResult['directories'] = [];
  for (const d of plan.directories) directories.push({ path: d.path, outcome: await putDirectory(session, d) });
  const files = await putFiles(session, plan.files);
  const passwords: ApplyResult['passwords'] = [];
  for (const p of plan.passwords) passwords.push({ name: p.name, outcome: await setPasswordHash(session, p.name, p.hash, root, timeoutMs) });

  const unitDir = `${root === '/' ? '' : root}/etc/systemd/system/`;
  const unitsChanged = files.some((f) => f.outcome !== 'unchanged' && f.path.startsWith(unitDir));
  const offline = root !== '/';
  const sc = offline ? `systemctl --root=${q(root)}` : 'systemctl';
  const steps: { command: string; skip?: string }[] = [];
  if (unitsChanged) steps.push({ command: 'systemctl daemon-reload', skip: offline ? 'the root is not the running system' : undefined });
  if (plan.enable.length) steps.push({ command: `${sc} enable -- ${plan.enable.map(q).join(' ')}` });
  if (plan.disable.length) steps.push({ command: `${sc} disable -- ${plan.disable.map(q).join(' ')}` });
  if (plan.mask.length) steps.push({ command: `${sc} mask -- ${plan.mask.map(q).join(' ')}` });
  if (opts.start) steps.push({ command: `systemctl start --no-block -- ${q(opts.start)}`, skip: offline ? 'the root is not the running system' : undefined });
  const systemctl: SystemctlStep[] = [];
  for (const s of steps) {
    if (opts.systemctl === 'skip' || s.skip) {
      systemctl.push({ command: s.command, ran: false, why: s.skip ?? 'systemctl: skip was asked' });
      continue;
    }
    const r = await session.exec(s.command, { timeoutMs, what: s.command });
    if (r.code !== 0) {
      throw new NkdError(`${session.label}: ${s.command} failed (exit code ${r.code ?? 'none'}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, {
        hint: 'look at the unit on the host (systemctl status, journalctl -u) and run again',
      });
    }
    const said = r.stdout + r.stderr;
    systemctl.push({ command: s.command, ran: true, changed: s.command.endsWith('daemon-reload') || s.command.includes(' start ') || /Created symlink|Removed /.test(said) });
  }
  const changed =
    directories.some((d) => d.outcome !== 'unchanged') ||
    files.some((f) => f.outcome !== 'unchanged') ||
    passwords.some((p) => p.outcome !== 'unchanged') ||
    systemctl.some((s) => s.changed === true);
  return { directories, files, passwords, systemctl, ignored: plan.ignored, changed };
}

/** Sets a user's password hash with `chpasswd -e` (the hash goes through stdin) unless it is already the one. */
async function setPasswordHash(session: SshSession, user: string, hash: string, root: string, timeoutMs: number): Promise<'set' | 'unchanged'> {
  const shadow = `${root === '/' ? '' : root}/etc/shadow`;
  const r = await session.run(`awk -F: -v u=${q(user)} '$1 == u { print "user:" $2 }' ${q(shadow)}`, { timeoutMs, what: `reading the password entry of ${user}` });
  if (!r.startsWith('user:')) throw new NkdError(`${session.label}: user ${user} does not exist on the host`, { hint: `create ${user} on the host first (nkd sets only its password hash over SSH)` });
  if (r.trim() === `user:${hash}`) return 'unchanged';
  await session.run(`chpasswd -e${root === '/' ? '' : ` -R ${q(root)}`}`, { timeoutMs, stdin: `${user}:${hash}\n`, what: `setting the password hash of ${user}` });
  return 'set';
}
