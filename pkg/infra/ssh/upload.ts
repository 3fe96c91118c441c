/**
 * Idempotent file delivery over SSH. A file whose checksum, mode and owner already match is
 * left alone ("unchanged"); otherwise the contents go through stdin into a temp file in the
 * target's directory (created 0600 by umask, never world-readable on the way), which gets its
 * mode and owner, is checked against the local sha256 and then renamed over the target, so a
 * reader sees the old file or the new one, never half of one. Temp files an interrupted run
 * left behind (`.<name>.nkd-*`) are removed by the next look at that file. Callers hold the
 * host lock (lock.ts), so no other nkd run writes the same paths meanwhile.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { NkdError } from '../../ui/errors.js';
import { shellQuote as q } from '../../host/quote.js';
import type { SshSession } from './session.js';

/** A user or group: a name (resolved on the host) or a numeric id. */
export type OwnerRef = string | number;

/** One file to put. */
export interface PutFileSpec {
  /** Absolute path on the host. */
  path: string;
  content: Buffer;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  /** Owner; left as the host makes it when absent. */
  owner?: OwnerRef;
  /** Group; left as the host makes it when absent. */
  group?: OwnerRef;
  /** Mode of parent directories this creates; default 0o755. */
  dirMode?: number;
  /** Replace a file with other contents (default true); false refuses, as Ignition does. */
  overwrite?: boolean;
}

/** What putFile did to one file. */
export interface PutResult {
  path: string;
  /** `unchanged`, `created`, `replaced` (contents changed) or `metadata` (only mode/owner fixed). */
  outcome: 'unchanged' | 'created' | 'replaced' | 'metadata';
  /** Each change in words: `contents`, `mode 644 → 600`, `owner 0 → nobody`. */
  changes: string[];
  /** Temp files of an earlier, interrupted run that were removed. */
  removedTemps: string[];
}

/** What the host has at a path now. */
export type RemoteState =
  | { kind: 'absent' }
  | { kind: 'link' }
  | { kind: 'file'; sha256: string; mode: number; uid: number; gid: number; user: string; group: string }
  | { kind: 'other'; what: string };

/** A looked-at path: its state and the stale temp files removed next to it. */
export interface Inspected {
  state: RemoteState;
  removedTemps: string[];
}

/** Bounds: a base for each command plus time per MiB of contents. */
export interface UploadOptions {
  /** Bound of each command; default 30 s plus 1 s per MiB sent. */
  timeoutMs?: number;
}

/** The remote functions the scripts below call (POSIX sh, coreutils). */
const STATE_FN = `nkd_state() {
  for t in "$2/.$3.nkd-"*; do if [ -e "$t" ] || [ -L "$t" ]; then rm -f -- "$t" && printf '%s\\tstale\\t%s\\n' "$1" "$t"; fi; done
  f="$2/$3"
  if [ -L "$f" ]; then printf '%s\\tlink\\n' "$1"
  elif [ -f "$f" ]; then printf '%s\\tfile\\t%s\\t%s\\n' "$1" "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c '%a\t%u\t%g\t%U\t%G' -- "$f")"
  elif [ -e "$f" ]; then printf '%s\\tother\\t%s\\n' "$1" "$(stat -c %F -- "$f")"
  else printf '%s\\tabsent\\n' "$1"; fi
}`;

/** sha256 of a buffer, hex. */
export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Checks an absolute, normalised path (no `..`, no trailing slash) and splits it. */
export function splitPath(path: string): { dir: string; name: string } {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path.endsWith('/') || /[\0\n]/.test(path)) {
    throw new NkdError(`${JSON.stringify(path)}: not an absolute, normalised file path`, { hint: 'give paths like /etc/kubernetes/admin.conf' });
  }
  return { dir: posix.dirname(path), name: posix.basename(path) };
}

/** Parses nkd_state output lines (`<index>\t<kind>\t…`) into one Inspected per index. */
export function parseStates(stdout: string, count: number): Inspected[] {
  const out: (Inspected | undefined)[] = Array.from({ length: count }, () => undefined);
  const stale: string[][] = Array.from({ length: count }, () => []);
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const [i, kind, ...rest] = line.split('\t');
    const n = Number(i);
    if (!Number.isInteger(n) || n < 0 || n >= count) throw new Error(`unexpected line from the host: ${JSON.stringify(line)}`);
    if (kind === 'stale') stale[n]!.push(rest[0]!);
    else if (kind === 'absent' || kind === 'link') out[n] = { state: { kind }, removedTemps: stale[n]! };
    else if (kind === 'other') out[n] = { state: { kind, what: rest[0] ?? 'unknown' }, removedTemps: stale[n]! };
    else if (kind === 'file' && rest.length === 6) {
      const [sum, mode, uid, gid, user, group] = rest as [string, string, string, string, string, string];
      out[n] = { state: { kind, sha256: sum, mode: parseInt(mode, 8), uid: Number(uid), gid: Number(gid), user, group }, removedTemps: stale[n]! };
    } else throw new Error(`unexpected line from the host: ${JSON.stringify(line)}`);
  }
  return out.map((x, i) => {
    if (!x) throw new Error(`the host did not report on path #${i}`);
    return x;
  });
}

/** Looks at many paths in one command: their state, removing stale temp files next to each. */
export async function inspectPaths(session: SshSession, paths: string[], opts: UploadOptions = {}): Promise<Inspected[]> {
  if (paths.length === 0) return [];
  const calls = paths.map((p, i) => {
    const { dir, name } = splitPath(p);
    return `nkd_state ${i} ${q(dir === '/' ? '' : dir)} ${q(name)}`;
  });
  const stdout = await session.run(`${STATE_FN}\n${calls.join('\n')}`, { timeoutMs: opts.timeoutMs ?? 30_000 + 50 * paths.length, what: `checking ${paths.length === 1 ? paths[0] : `${paths.length} files`}` });
  return parseStates(stdout, paths.length);
}

/** The differences between what is there and what is wanted, in words. */
export function differences(spec: PutFileSpec, state: RemoteState, wantSha: string): string[] {
  if (state.kind !== 'file') return ['contents'];
  const d: string[] = [];
  if (state.sha256 !== wantSha) d.push('contents');
  if (state.mode !== (spec.mode & 0o7777)) d.push(`mode ${state.mode.toString(8)} → ${spec.mode.toString(8)}`);
  const ownerDiff = (want: OwnerRef | undefined, id: number, name: string, what: string) => {
    if (want === undefined || want === id || want === name || want === String(id)) return;
    d.push(`${what} ${name} → ${want}`);
  };
  ownerDiff(spec.owner, state.uid, state.user, 'owner');
  ownerDiff(spec.group, state.gid, state.group, 'group');
  return d;
}

/** Puts one file (see the module comment); returns what changed. */
export async function putFile(session: SshSession, spec: PutFileSpec, opts: UploadOptions = {}): Promise<PutResult> {
  return (await putFiles(session, [spec], opts))[0]!;
}

/**
 * Puts many files in two commands: one looks at all of them, one writes every file that
 * differs (contents through stdin, one after another, each cut off by `head -c`). Refusals
 * (a directory in the way, a file that may not be overwritten) come before anything is written.
 */
export async function putFiles(session: SshSession, specs: PutFileSpec[], opts: UploadOptions = {}): Promise<PutResult[]> {
  const seen = await inspectPaths(session, specs.map((s) => s.path), opts);
  const results: PutResult[] = [];
  const lines: string[] = [];
  const temps: string[] = [];
  const renames: string[] = [];
  const stdin: Buffer[] = [];
  const dirs = new Set<string>();
  for (const [i, spec] of specs.entries()) {
    const { dir, name } = splitPath(spec.path);
    const { state, removedTemps } = seen[i]!;
    if (state.kind === 'other') {
      throw new NkdError(`${session.label}: ${spec.path} is a ${state.what}, not a regular file`, { hint: `remove or move ${spec.path} on the host, or change the path` });
    }
    const want = sha256(spec.content);
    const changes = differences(spec, state, want);
    const result = (outcome: PutResult['outcome']) => results.push({ path: spec.path, outcome, changes, removedTemps });
    if (changes.length === 0) {
      result('unchanged');
      continue;
    }
    if (spec.overwrite === false && state.kind !== 'absent' && changes.includes('contents')) {
      throw new NkdError(`${session.label}: ${spec.path} exists with other contents and may not be overwritten`, { hint: `set overwrite: true for ${spec.path} in the config, or remove the file on the host` });
    }
    if (!changes.includes('contents')) {
      // same bytes, wrong mode or owner: fixed in place (chown first: it clears set-id bits)
      lines.push(...ownerCommands(spec, q(spec.path)), `chmod ${spec.mode.toString(8)} -- ${q(spec.path)}`);
      result('metadata');
      continue;
    }
    for (const d of ancestors(dir)) {
      if (!dirs.has(d)) lines.push(`[ -d ${q(d)} ] || mkdir -m ${(spec.dirMode ?? 0o755).toString(8)} -- ${q(d)}`);
      dirs.add(d);
    }
    const temp = `${dir === '/' ? '' : dir}/.${name}.nkd-${randomBytes(6).toString('hex')}`;
    temps.push(temp);
    stdin.push(spec.content);
    lines.push(`nkd_put ${q(spec.path)} ${q(temp)} ${spec.content.length} ${want}`, ...ownerCommands(spec, q(temp)), `chmod ${spec.mode.toString(8)} -- ${q(temp)}`);
    renames.push(`mv -f -- ${q(temp)} ${q(spec.path)}`);
    result(state.kind === 'absent' ? 'created' : 'replaced');
  }
  if (lines.length === 0) return results;
  const bytes = stdin.reduce((n, b) => n + b.length, 0);
  const script = [
    'set -e',
    'umask 077',
    // an interrupted run leaves no temp behind when it can help it (the next run removes the rest)
    ...(temps.length ? [`trap ${q(`rm -f -- ${temps.map(q).join(' ')}`)} EXIT`] : []),
    PUT_FN,
    ...lines,
    ...(temps.length ? [`sync -- ${temps.map(q).join(' ')} 2>/dev/null || true`] : []),
    ...renames,
    'trap - EXIT',
  ].join('\n');
  const changed = specs.filter((_, i) => results[i]!.outcome !== 'unchanged');
  const what = changed.length === 1 ? `writing ${changed[0]!.path} (${bytes} bytes)` : `writing ${changed.length} files (${bytes} bytes)`;
  await session.run(script, { timeoutMs: opts.timeoutMs ?? 30_000 + Math.ceil(bytes / 2 ** 20) * 1000, stdin: Buffer.concat(stdin), what });
  return results;
}

/** Reads one file's bytes from stdin into its temp and checks them (GNU and busybox head read no further than -c). */
const PUT_FN = `nkd_put() {
  head -c "$3" > "$2"
  s=$(sha256sum < "$2" | cut -c1-64)
  if [ "$s" != "$4" ]; then echo "$1: the uploaded copy has sha256 $s, expected $4 (the transfer was cut short?)" >&2; exit 65; fi
}`;

function ownerCommands(spec: Pick<PutFileSpec, 'owner' | 'group'>, target: string): string[] {
  const cmds: string[] = [];
  if (spec.owner !== undefined) cmds.push(`chown ${q(String(spec.owner))} -- ${target}`);
  if (spec.group !== undefined) cmds.push(`chgrp ${q(String(spec.group))} -- ${target}`);
  return cmds;
}

/** `/a/b/c` → `/a`, `/a/b`, `/a/b/c`: the directories to make, outermost first. */
export function ancestors(dir: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const part of dir.split('/').filter(Boolean)) out.push((cur += '/' + part));
  return out;
}

/** One directory to make sure of. */
export interface PutDirectorySpec {
  path: string;
  mode: number;
  owner?: OwnerRef;
  group?: OwnerRef;
}

/** Makes a directory (and its parents, 0755) and sets its mode and owner; says whether anything changed. */
export async function putDirectory(session: SshSession, spec: PutDirectorySpec, opts: UploadOptions = {}): Promise<'unchanged' | 'created' | 'updated'> {
  splitPath(spec.path);
  const fix = (want: OwnerRef | undefined, idFmt: string, nameFmt: string, cmd: string) =>
    want === undefined ? [] : [`if [ "$(stat -c ${idFmt} -- "$d")" != ${q(String(want))} ] && [ "$(stat -c ${nameFmt} -- "$d")" != ${q(String(want))} ]; then ${cmd} ${q(String(want))} -- "$d"; [ $s = created ] || s=updated; fi`];
  const script = [
    'set -e',
    `d=${q(spec.path)}`,
    'if [ -L "$d" ] || { [ -e "$d" ] && [ ! -d "$d" ]; }; then echo "exists and is not a directory" >&2; exit 66; fi',
    'if [ -d "$d" ]; then s=unchanged; else s=created; fi',
    ...ancestors(spec.path).map((d) => `[ -d ${q(d)} ] || mkdir -m 755 -- ${q(d)}`),
    `if [ "$(stat -c %a -- "$d")" != ${spec.mode.toString(8)} ]; then chmod ${spec.mode.toString(8)} -- "$d"; [ $s = created ] || s=updated; fi`,
    ...fix(spec.owner, '%u', '%U', 'chown'),
    ...fix(spec.group, '%g', '%G', 'chgrp'),
    'echo $s',
  ].join('\n');
  const out = (await session.run(script, { timeoutMs: opts.timeoutMs ?? 30_000, what: `making the directory ${spec.path}` })).trim();
  return out as 'unchanged' | 'created' | 'updated';
}
