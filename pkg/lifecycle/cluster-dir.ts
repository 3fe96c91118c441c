import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ExitCode, NkdError, usageError } from '../ui/errors.js';
import { ClusterDir } from '../cluster-dir.js';

/**
 * The one rule for the cluster directory of every command: `--dir` (or NKD_DIR) when given,
 * else `./<metadata.name>` of the cluster file (`-f`). A command given neither is told so.
 */
export function clusterDir(command: string, dir: string | undefined, clusterName: string | undefined): string {
  if (dir !== undefined && dir !== '') return resolve(dir);
  if (clusterName) return resolve(clusterName);
  throw usageError(`nkd ${command}: which cluster? give --dir <cluster directory> or -f <cluster.yaml>`, `the directory is --dir (env NKD_DIR), else ./<metadata.name> of the cluster file, e.g. \`nkd ${command} -f cluster.yaml\``);
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function dirError(shown: string, what: string, hint: string): NkdError {
  return new NkdError(`--dir ${shown}: ${what}`, { code: ExitCode.Usage, hint });
}

/**
 * Checks, before any slow work (key generation), that `dir` is or can become a writable
 * directory: it is a directory this user may write, or its nearest existing parent is.
 * Creates nothing.
 */
export async function checkWritableDir(dir: string, shown = dir): Promise<void> {
  let probe = resolve(dir);
  for (;;) {
    try {
      const st = await stat(probe);
      if (!st.isDirectory()) {
        throw probe === resolve(dir)
          ? dirError(shown, 'is a file, not a directory', 'give --dir a directory (or a path to create), not the cluster file')
          : dirError(shown, `cannot be created: ${probe} is a file, not a directory`, 'give --dir a path whose parents are directories');
      }
      break;
    } catch (e) {
      if (e instanceof NkdError) throw e;
      const c = code(e);
      if (c === 'ELOOP') throw dirError(shown, `${probe} is a symbolic link loop`, 'fix the link or give another --dir');
      if (c === 'EACCES') throw dirError(shown, `${probe} cannot be reached: permission denied`, 'give a --dir this user may write');
      if (c !== 'ENOENT' && c !== 'ENOTDIR') throw dirError(shown, `${probe} cannot be used (${c ?? String(e)})`, 'give another --dir');
      const up = dirname(probe);
      if (up === probe) throw dirError(shown, 'has no existing parent directory', 'give a --dir under an existing directory');
      probe = up;
    }
  }
  try {
    await access(probe, constants.W_OK | constants.X_OK);
  } catch (e) {
    const what = code(e) === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user';
    const target = probe === resolve(dir) ? what : `cannot be created: ${probe} ${what}`;
    throw dirError(shown, target, 'choose a directory you may write, or fix its permissions');
  }
}

/**
 * Checks that `dir` holds a cluster nkd rendered or deployed (status, destroy): a directory
 * with `.nkd/` in it. Creates nothing.
 */
export async function checkClusterDir(command: string, dir: string, shown = dir): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch (e) {
    const c = code(e);
    if (c === 'ENOENT') throw usageError(`nkd ${command}: ${shown}: no such directory`, `give --dir the directory \`nkd render\` or \`nkd deploy\` wrote, or -f the cluster file`);
    if (c === 'ELOOP') throw usageError(`nkd ${command}: ${shown}: a symbolic link loop`, 'fix the link or give another --dir');
    if (c === 'ENOTDIR') throw usageError(`nkd ${command}: ${shown}: a part of the path is a file, not a directory`, 'give --dir the cluster directory');
    throw usageError(`nkd ${command}: ${shown}: cannot be read (${c ?? String(e)})`, 'give --dir a cluster directory this user may read');
  }
  if (!st.isDirectory()) throw usageError(`nkd ${command}: ${shown}: is a file, not a cluster directory`, 'give --dir the cluster directory (the cluster file goes to -f)');
  try {
    await access(new ClusterDir(dir).internal, constants.R_OK | constants.X_OK);
  } catch (e) {
    if (code(e) === 'ENOENT') throw usageError(`nkd ${command}: ${shown} is not a cluster directory (no .nkd/ in it)`, 'give --dir the directory `nkd render` or `nkd deploy` wrote');
    throw usageError(`nkd ${command}: ${shown}/.nkd cannot be read (${code(e) ?? String(e)})`, 'run as the user who rendered the cluster');
  }
}
