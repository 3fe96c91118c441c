import { mkdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '../worker-pool.js';
import { CLUSTER_PATHS } from '../cluster-dir.js';

/** Where a render stages its changed files before the commit point. */
export const STAGING = CLUSTER_PATHS.staging;
/** The commit record: once it exists, the staged render is the one that counts. */
export const COMMIT = CLUSTER_PATHS.commitRecord;

/** Renames in flight while a commit moves files into place. */
const MOVE_CONCURRENCY = 32;
/** Bookkeeping files (manifest.json, .nkd/state.json) that move after every rendered file. */
const LAST = new Set<string>([CLUSTER_PATHS.manifest, CLUSTER_PATHS.state]);

/** What a commit moves into place and deletes (relative paths). */
export interface CommitRecord {
  moves: string[];
  deletes: string[];
}

/** A file's bytes, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** True when the path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function dirMode(rel: string): number {
  return /^(pki|auth|\.nkd)(\/|$)/.test(rel) ? 0o700 : 0o755;
}

/**
 * Creates the parent folders of `rel` under `root` (0700 under pki/, auth/ and .nkd/), once per
 * folder: concurrent callers for the same folder share one mkdir through `made`.
 */
export function ensureParent(root: string, rel: string, made?: Map<string, Promise<unknown>>): Promise<unknown> {
  const parent = dirname(rel);
  if (parent === '.') return Promise.resolve();
  const pending = made?.get(parent);
  if (pending) return pending;
  const p = mkdir(join(root, parent), { recursive: true, mode: dirMode(rel) });
  made?.set(parent, p);
  return p;
}

/**
 * Finishes or discards a render that was interrupted: with a commit record, every staged file
 * is moved into place (the new render wins); without one, the staging area is dropped (the old
 * render stays). Either way the directory holds one render, never a mix.
 */
export async function recoverInterruptedRender(dir: string): Promise<'none' | 'completed' | 'discarded'> {
  const recordText = await readIfExists(join(dir, COMMIT));
  if (recordText) {
    const record = JSON.parse(recordText.toString('utf8')) as CommitRecord;
    await applyRecord(dir, record);
    return 'completed';
  }
  if (await exists(join(dir, STAGING))) {
    await rm(join(dir, STAGING), { recursive: true, force: true });
    return 'discarded';
  }
  return 'none';
}

/** Moves staged files into place and deletes what the record says; idempotent. */
export async function applyRecord(dir: string, record: CommitRecord): Promise<void> {
  const made = new Map<string, Promise<unknown>>();
  const move = async (p: string): Promise<void> => {
    try {
      await ensureParent(dir, p, made);
      await rename(join(dir, STAGING, p), join(dir, p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // ENOENT: moved before an interruption
    }
  };
  // Rendered files move concurrently; the bookkeeping files the record lists last (manifest,
  // state) move afterwards, one by one, in the record's order.
  let tail = record.moves.length;
  while (tail > 0 && LAST.has(record.moves[tail - 1]!)) tail--;
  await mapLimit(record.moves.slice(0, tail), MOVE_CONCURRENCY, move);
  for (const p of record.moves.slice(tail)) await move(p);
  for (const p of record.deletes) {
    await rm(join(dir, p), { force: true });
    await removeEmptyParents(dir, p);
  }
  await rm(join(dir, STAGING), { recursive: true, force: true });
  await rm(join(dir, COMMIT), { force: true });
}

async function removeEmptyParents(dir: string, rel: string): Promise<void> {
  let parent = dirname(rel);
  while (parent !== '.' && parent !== '') {
    try {
      await rmdir(join(dir, parent));
    } catch {
      return;
    }
    parent = dirname(parent);
  }
}
