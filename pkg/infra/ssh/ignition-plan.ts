/**
 * What applying an Ignition config over SSH means, worked out without touching a host: the
 * directories, files (units and drop-ins as files under /etc/systemd/system), password hashes
 * and systemctl steps, each under a remote root. What SSH cannot do the way Ignition would
 * (remote sources, `append`, other compressions, merged configs, users to create, kernel
 * arguments) is refused, every such field at once and by its path, never skipped silently;
 * a caller that knows a section is already taken care of says so with `ignore`.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ExitCode, NkdError } from '../../ui/errors.js';
import type { IgnitionConfig, Owner } from '../../ignition/types.js';
import { decodeDataUrl } from '../../ignition/data-url.js';
import type { OwnerRef, PutDirectorySpec, PutFileSpec } from './upload.js';

/** Sections a caller may declare as handled elsewhere (they are then left out, and reported). */
export type IgnorableSection = 'passwd' | 'kernelArguments';

/** Options of {@link planIgnition}. */
export interface PlanOptions {
  /** The host's root for every path; default `/`. */
  root?: string;
  /** Sections left out on purpose. */
  ignore?: IgnorableSection[];
}

/** A file to put, with Ignition's overwrite rule. */
export interface PlannedFile extends PutFileSpec {
  /** Where it came from, e.g. `storage.files[3]`. */
  field: string;
  /** Ignition's `overwrite` (default false: a different existing file is an error). */
  overwrite: boolean;
}

/** The whole plan. */
export interface ApplyPlan {
  directories: (PutDirectorySpec & { field: string })[];
  files: PlannedFile[];
  /** Units (names) to enable, disable and mask, in config order. */
  enable: string[];
  disable: string[];
  mask: string[];
  /** Users whose password hash to set: name and crypt(3) hash. */
  passwords: { name: string; hash: string; field: string }[];
  /** Sections left out because the caller said so, in words. */
  ignored: string[];
}


/** Checks `sha512-<hex>` / `sha256-<hex>` against the (compressed) bytes; an error message or undefined. */
function verify(hash: string, raw: Buffer): string | undefined {
  const m = /^(sha512|sha256)-([0-9a-f]+)$/.exec(hash);
  if (!m) return `unsupported verification.hash "${hash}"`;
  const got = createHash(m[1]!).update(raw).digest('hex');
  return got === m[2] ? undefined : `verification.hash does not match the contents (${m[1]} ${got})`;
}

function owner(o: Owner | undefined): OwnerRef {
  // Ignition's default owner is root (uid/gid 0)
  return o?.name ?? o?.id ?? 0;
}

function under(root: string, path: string): string {
  return root === '/' ? path : posix.join(root, path);
}

/** Plans a config; throws one NkdError listing every field that cannot be applied over SSH. */
export function planIgnition(cfg: IgnitionConfig, opts: PlanOptions = {}): ApplyPlan {
  const root = opts.root ?? '/';
  const ignore = new Set(opts.ignore ?? []);
  const problems: string[] = [];
  const plan: ApplyPlan = { directories: [], files: [], enable: [], disable: [], mask: [], passwords: [], ignored: [] };
  const raw = cfg as unknown as Record<string, Record<string, unknown> | undefined>;
  const config = cfg.ignition?.config;
  if (config?.merge?.length || config?.replace) problems.push('ignition.config: merged or replacing configs cannot be applied over SSH; merge them into one config first');
  for (const [i, d] of (cfg.storage?.directories ?? []).entries()) {
    plan.directories.push({ field: `storage.directories[${i}]`, path: under(root, d.path), mode: d.mode ?? 0o755, owner: owner(d.user), group: owner(d.group) });
  }
  for (const [i, f] of (cfg.storage?.files ?? []).entries()) {
    const field = `storage.files[${i}] (${f.path})`;
    const extra = f as unknown as Record<string, unknown>;
    if (Array.isArray(extra.append) && extra.append.length > 0) problems.push(`${field}: append cannot be applied over SSH (it is not idempotent); give the whole contents`);
    const c = f.contents ?? {};
    let content: Buffer = Buffer.alloc(0);
    if (c.source !== undefined) {
      if (!c.source.startsWith('data:')) {
        problems.push(`${field}: contents.source ${JSON.stringify(c.source.slice(0, 60))} is not a data: URL; only inline contents can be applied over SSH`);
        continue;
      }
      const bytes = decodeDataUrl(c.source);
      if (typeof bytes === 'string') {
        problems.push(`${field}: contents.source: ${bytes}`);
        continue;
      }
      const bad = c.verification?.hash ? verify(c.verification.hash, bytes) : undefined;
      if (bad) problems.push(`${field}: contents.${bad}`);
      const compression = (c as { compression?: string }).compression;
      if (compression === 'gzip') {
        try {
          content = gunzipSync(bytes);
        } catch {
          problems.push(`${field}: contents: compression is gzip but the data is not gzip`);
          continue;
        }
      } else if (compression !== undefined && compression !== '') {
        problems.push(`${field}: contents.compression "${compression}" is not supported (none or gzip)`);
        continue;
      } else content = bytes;
    }
    plan.files.push({ field, path: under(root, f.path), content, mode: f.mode ?? 0o644, owner: owner(f.user), group: owner(f.group), overwrite: f.overwrite ?? false });
  }
  if (cfg.storage?.links?.length) problems.push('storage.links: links are not applied over SSH yet; write the files they point to at their paths instead');
  const unitDir = under(root, '/etc/systemd/system');
  for (const [i, u] of (cfg.systemd?.units ?? []).entries()) {
    const field = `systemd.units[${i}] (${u.name})`;
    if (!/^[A-Za-z0-9:_.@\\-]+\.(service|socket|target|timer|mount|automount|path|slice|scope|swap|device)$/.test(u.name)) {
      problems.push(`${field}: not a unit name`);
      continue;
    }
    if (u.contents !== undefined) plan.files.push({ field, path: `${unitDir}/${u.name}`, content: Buffer.from(u.contents), mode: 0o644, owner: 0, group: 0, overwrite: true });
    for (const [j, d] of (u.dropins ?? []).entries()) {
      if (!/^[^/]+\.conf$/.test(d.name)) problems.push(`${field}.dropins[${j}]: drop-in name "${d.name}" must end in .conf and name no directory`);
      else plan.files.push({ field: `${field}.dropins[${j}]`, path: `${unitDir}/${u.name}.d/${d.name}`, content: Buffer.from(d.contents), mode: 0o644, owner: 0, group: 0, overwrite: true });
    }
    if (u.mask) plan.mask.push(u.name);
    else if (u.enabled === true) plan.enable.push(u.name);
    else if (u.enabled === false) plan.disable.push(u.name);
  }
  const passwd = cfg.passwd;
  if (passwd && ignore.has('passwd')) plan.ignored.push(`passwd (${passwd.users?.length ?? 0} users, ${passwd.groups?.length ?? 0} groups), as asked`);
  else if (passwd) {
    if (passwd.groups?.length) problems.push('passwd.groups: groups are not created over SSH; create them on the host first, or ignore passwd');
    for (const [i, u] of (passwd.users ?? []).entries()) {
      const other = Object.keys(u).filter((k) => k !== 'name' && k !== 'passwordHash');
      if (other.length) problems.push(`passwd.users[${i}] (${u.name}): ${other.join(', ')} cannot be applied over SSH (only passwordHash of a user that exists); set them up on the host, or ignore passwd`);
      else if (u.passwordHash !== undefined) plan.passwords.push({ name: u.name, hash: u.passwordHash, field: `passwd.users[${i}]` });
    }
  }
  const kargs = cfg.kernelArguments;
  if (kargs && (kargs.shouldExist?.length || kargs.shouldNotExist?.length)) {
    if (ignore.has('kernelArguments')) plan.ignored.push('kernelArguments, as asked');
    else problems.push('kernelArguments: kernel arguments need a reboot and cannot be applied over SSH; set them on the host (rpm-ostree kargs or the boot loader), then ignore kernelArguments');
  }
  for (const key of Object.keys(raw)) if (!['ignition', 'storage', 'systemd', 'passwd', 'kernelArguments'].includes(key)) problems.push(`${key}: not applied over SSH`);
  for (const key of Object.keys(raw.storage ?? {})) if (!['files', 'directories', 'links'].includes(key)) problems.push(`storage.${key}: not applied over SSH`);
  if (problems.length) {
    throw new NkdError(`the Ignition config cannot be applied over SSH as it is (${problems.length} ${problems.length === 1 ? 'field' : 'fields'})`, {
      code: ExitCode.Usage,
      details: problems,
      hint: 'render the node for SSH delivery (inline contents, no remote sources) or deliver it by Ignition at boot',
    });
  }
  return plan;
}
