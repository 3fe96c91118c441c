/**
 * Which file a TFTP request may read: the name is checked as text first (resolveTftpPath, pure),
 * then on disk (openTftpFile: the real path, symbolic links resolved, must still be inside the
 * root). The original NKD's TFTP server joined the requested name onto its root as given, so
 * `../../etc/shadow` left it; here nothing outside the one root directory is ever opened.
 */
import { constants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TftpErrorCode, type TftpRefusal } from './tftp-packet.js';

/** A requested name that may be served: its path under the root and its normalized name. */
export interface TftpPath {
  ok: true;
  /** Absolute path below the root (symbolic links not yet resolved). */
  path: string;
  /** The name relative to the root, without empty or `.` segments. */
  name: string;
}

/** The longest name accepted, in UTF-8 bytes (Linux's PATH_MAX is 4096). */
export const MAX_TFTP_NAME = 1024;

const refuse = (reason: string): TftpRefusal => ({ ok: false, code: TftpErrorCode.AccessViolation, reason });

/** Whether `path` is strictly below `root` (both absolute and normalized). */
export function isInsideRoot(root: string, path: string): boolean {
  const base = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(base) && path.length > base.length;
}

/**
 * The path a requested name means under `root`, or why it is refused (access violation):
 * one leading '/' is stripped (PXE ROMs send both `pxelinux.0` and `/pxelinux.0`); names with
 * NUL, a backslash, a control character, a `..` segment, still absolute after the strip, too
 * long, or naming the root itself are refused. No decoding: `%2e%2e` is a file of that name.
 */
export function resolveTftpPath(root: string, requested: string): TftpPath | TftpRefusal {
  if (requested.includes('\0')) return refuse('the file name contains a NUL byte');
  if (requested.includes('\\')) return refuse('the file name contains a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(requested)) return refuse('the file name contains a control character');
  const name = requested.startsWith('/') ? requested.slice(1) : requested;
  if (name.startsWith('/')) return refuse('the file name is an absolute path');
  if (Buffer.byteLength(name, 'utf8') > MAX_TFTP_NAME) return refuse(`the file name is longer than ${MAX_TFTP_NAME} bytes`);
  const segments = name.split('/');
  if (segments.includes('..')) return refuse('the file name has a ".." segment (outside the TFTP root)');
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.length === 0) return refuse('the file name names the TFTP root directory, not a file');
  const base = resolve(root);
  const path = join(base, ...kept);
  // Cannot fail after the checks above; kept so that a change to them cannot open a way out.
  if (!isInsideRoot(base, path)) return refuse('the file name leads outside the TFTP root');
  return { ok: true, path, name: kept.join('/') };
}

/** A file opened for a transfer. */
export interface OpenedTftpFile {
  ok: true;
  name: string;
  handle: FileHandle;
  stats: Stats;
}

/** What a file-system error means to a TFTP client. */
function fsRefusal(err: unknown, name: string): TftpRefusal {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return { ok: false, code: TftpErrorCode.FileNotFound, reason: `${name}: file not found` };
  if (code === 'EACCES' || code === 'EPERM') return refuse(`${name}: permission denied`);
  if (code === 'ELOOP') return refuse(`${name}: a loop of symbolic links`);
  return { ok: false, code: TftpErrorCode.NotDefined, reason: `${name}: cannot be read (${code || 'error'})` };
}

/**
 * Opens a requested file for reading, or says why not. `realRoot` must be the root's real path
 * (symbolic links resolved). The file's real path must be inside it: a symbolic link to a file
 * elsewhere in the root is followed, one leading out (or through a linked directory out) is
 * refused. Only regular files are served (a FIFO or device is refused without blocking).
 * The root is nkd's own directory: a local user who may swap links inside it between the
 * check and the open is outside this threat model; the final component is opened O_NOFOLLOW.
 */
export async function openTftpFile(realRoot: string, requested: string): Promise<OpenedTftpFile | TftpRefusal> {
  const r = resolveTftpPath(realRoot, requested);
  if (!r.ok) return r;
  let real: string;
  try {
    real = await realpath(r.path);
  } catch (e) {
    return fsRefusal(e, r.name);
  }
  if (!isInsideRoot(realRoot, real)) return refuse(`${r.name}: a symbolic link leading outside the TFTP root`);
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return fsRefusal(e, r.name);
  }
  const stats = await handle.stat().catch(async (e: unknown) => {
    await handle.close();
    throw e;
  });
  if (!stats.isFile()) {
    await handle.close();
    return refuse(`${r.name}: not a regular file`);
  }
  return { ok: true, name: r.name, handle, stats };
}
