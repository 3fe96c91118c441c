import { createHash } from 'node:crypto';
import { chmod, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ExitCode, NkdError } from '../ui/errors.js';
import type { AssetFile } from './asset.js';
import { applyRecord, COMMIT, ensureParent, exists, readIfExists, recoverInterruptedRender, STAGING, type CommitRecord } from './commit.js';
import { writeFileAtomic } from '../atomic-write.js';

export { recoverInterruptedRender } from './commit.js';
import { mapLimit } from '../worker-pool.js';
import { diskPrior, type PriorRender } from './prior.js';
import { parseState, STATE_PATH, stateJson, type RenderState } from './state.js';
import { CLUSTER_PATHS, RENDERED_FOLDERS } from '../cluster-dir.js';

/** The list of what render wrote, with sha256 and size. */
const MANIFEST_PATH = CLUSTER_PATHS.manifest;
const LOCK = `${CLUSTER_PATHS.internal}/render.lock`;
/** Paths render owns; their presence without a state file means the state was lost. */
const OWNED = [CLUSTER_PATHS.manifest, ...RENDERED_FOLDERS];
const BATCH = 64;

/** One line of manifest.json. */
export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
  mode: '0600' | '0644';
}

/** manifest.json. */
export interface RenderManifest {
  apiVersion: 'nkd.nestos.openeuler.org/v1alpha1';
  kind: 'RenderManifest';
  cluster: string;
  files: ManifestEntry[];
}

/** What a commit did, as relative paths. */
export interface CommitResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Sees a commit pass either side of its commit point (the atomicity tests interrupt the
 * render there); a dependency of the store given at open, not an option of the commit.
 */
export interface CommitObserver {
  /** After the new files are staged, before the commit record exists. */
  afterStage?: () => Promise<void> | void;
  /** After the commit record exists, before any file is moved into place. */
  afterCommitRecord?: () => Promise<void> | void;
}

/** sha256 hex of a file's contents. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `fn` over `items` with at most BATCH calls in flight. */
function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  return mapLimit(items, BATCH, fn);
}

/** The error of a render stopped before its commit point: nothing was written. */
export function interruptedBeforeCommit(): NkdError {
  return new NkdError('render interrupted before writing: the cluster directory is unchanged', { code: ExitCode.Interrupted });
}

function ownershipError(dir: string, why: string, hint: string): NkdError {
  return new NkdError(`${dir}: ${why}`, { code: ExitCode.Usage, hint: `${hint}; nothing was written` });
}

/**
 * The on-disk store of one cluster directory: checks it belongs to the cluster, exposes the
 * previous render to the assets, and commits a new render atomically (stage, commit record,
 * rename), writing only files whose bytes or mode changed.
 */
export class ClusterStore {
  private constructor(
    readonly dir: string,
    readonly cluster: string,
    readonly state: RenderState | undefined,
    private readonly manifest: RenderManifest | undefined,
    private readonly observer: CommitObserver,
  ) {}

  /**
   * Opens `dir` for cluster `cluster`. Refuses (NkdError, exit 2, nothing written) a
   * directory of another cluster, an unreadable state file, or rendered files without one.
   */
  static async open(dir: string, cluster: string, deps: { observer?: CommitObserver } = {}): Promise<ClusterStore> {
    if (await exists(join(dir, COMMIT))) await recoverInterruptedRender(dir);
    const stateText = await readIfExists(join(dir, STATE_PATH));
    let state: RenderState | undefined;
    if (stateText) {
      state = parseState(stateText.toString('utf8'), join(dir, STATE_PATH));
      if (state.cluster !== cluster) {
        throw ownershipError(dir, `belongs to cluster "${state.cluster}", not "${cluster}" (${STATE_PATH})`,
          `use --dir to pick the directory of cluster "${cluster}", or a new one`);
      }
    } else {
      const clusterYaml = await readIfExists(join(dir, 'cluster.yaml'));
      if (clusterYaml) {
        let other: unknown;
        try {
          other = (yaml.load(clusterYaml.toString('utf8')) as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
        } catch {
          other = undefined;
        }
        if (typeof other === 'string' && other !== cluster) {
          throw ownershipError(dir, `belongs to cluster "${other}" (its cluster.yaml), not "${cluster}"`,
            `use --dir to pick the directory of cluster "${cluster}", or a new one`);
        }
      }
      for (const p of OWNED) {
        if (await exists(join(dir, p))) {
          throw ownershipError(dir, `has rendered files (${p}) but no ${STATE_PATH}, so nkd cannot tell which keys to reuse`,
            `restore ${STATE_PATH}, or move the old files away before rendering`);
        }
      }
    }
    const manifestText = await readIfExists(join(dir, MANIFEST_PATH));
    const manifest = manifestText && state ? (JSON.parse(manifestText.toString('utf8')) as RenderManifest) : undefined;
    return new ClusterStore(dir, cluster, state, manifest, deps.observer ?? {});
  }

  /** The previous render, as assets read it. */
  prior(): PriorRender {
    return diskPrior(this.dir, this.state);
  }

  /**
   * Commits a render: `files` (asset outputs) plus manifest.json and the state file. Files of
   * the previous render that are no longer produced are removed. An abort of `signal` before
   * the commit point drops the staged files and throws (exit 130, the directory unchanged);
   * after it, the commit completes (so the directory holds one whole render).
   */
  async commit(files: AssetFile[], state: RenderState, hashes?: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<CommitResult> {
    const hooks = this.observer;
    const seen = new Set<string>();
    for (const f of files) {
      if (seen.has(f.path)) throw new Error(`internal: two assets write ${f.path}`);
      seen.add(f.path);
    }
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const manifest: RenderManifest = {
      apiVersion: 'nkd.nestos.openeuler.org/v1alpha1',
      kind: 'RenderManifest',
      cluster: this.cluster,
      files: sorted.map((f) => ({
        path: f.path,
        sha256: hashes?.get(f.path) ?? sha256(f.contents),
        size: Buffer.byteLength(f.contents),
        mode: f.secret ? '0600' : '0644',
      })),
    };
    const all: AssetFile[] = [
      ...sorted,
      { path: MANIFEST_PATH, contents: JSON.stringify(manifest, null, 2) + '\n', secret: false },
      { path: STATE_PATH, contents: stateJson(state), secret: false },
    ];

    await mkdir(join(this.dir, CLUSTER_PATHS.internal), { recursive: true, mode: 0o700 });
    const lock = join(this.dir, LOCK);
    await this.lock(lock);
    try {
      await recoverInterruptedRender(this.dir);
      const changed: AssetFile[] = [];
      const unchanged: string[] = [];
      // Only files of the previous render can be unchanged; anything else is new (or a stray
      // file at a path render owns, which it replaces).
      const previous = new Set([...(this.manifest?.files ?? []).map((e) => e.path), MANIFEST_PATH, STATE_PATH]);
      await inBatches(all, async (f) => {
        const target = join(this.dir, f.path);
        const old = previous.has(f.path) ? await readIfExists(target) : undefined;
        const mode = f.secret ? 0o600 : 0o644;
        if (old && old.equals(Buffer.from(f.contents))) {
          if (((await stat(target)).mode & 0o777) !== mode) await chmod(target, mode);
          unchanged.push(f.path);
        } else {
          changed.push(f);
        }
      });
      const keep = new Set(all.map((f) => f.path));
      const deletes = (this.manifest?.files ?? []).map((e) => e.path).filter((p) => !keep.has(p)).sort();

      const staging = join(this.dir, STAGING);
      await rm(staging, { recursive: true, force: true });
      if (signal?.aborted) throw interruptedBeforeCommit();
      await mkdir(staging, { recursive: true, mode: 0o700 });
      const made = new Map<string, Promise<unknown>>();
      try {
        await inBatches(changed, async (f) => {
          if (signal?.aborted) throw interruptedBeforeCommit();
          await ensureParent(staging, f.path, made);
          await writeFile(join(staging, f.path), f.contents, { mode: f.secret ? 0o600 : 0o644 });
        });
        await hooks.afterStage?.();
        if (signal?.aborted) throw interruptedBeforeCommit();
      } catch (e) {
        // An interrupt tidies up; any other failure is left as a kill would leave it (the next
        // open drops a staging area without a commit record).
        if (signal?.aborted) await rm(staging, { recursive: true, force: true });
        throw e;
      }
      // The commit point: once this record exists, the new render is the one that counts.
      // Bookkeeping moves last, in a fixed order (changed is filled by concurrent reads).
      const bookkeeping: string[] = [MANIFEST_PATH, STATE_PATH];
      const changedPaths = new Set(changed.map((f) => f.path));
      const moves = [
        ...[...changedPaths].filter((p) => !bookkeeping.includes(p)).sort(),
        ...bookkeeping.filter((p) => changedPaths.has(p)),
      ];
      await writeFileAtomic(join(this.dir, COMMIT), JSON.stringify({ moves, deletes } satisfies CommitRecord));
      await hooks.afterCommitRecord?.();
      await applyRecord(this.dir, { moves, deletes });
      return { written: moves, unchanged: unchanged.sort(), removed: deletes };
    } finally {
      await rm(lock, { force: true });
    }
  }

  private async lock(path: string): Promise<void> {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number((await readIfExists(path))?.toString('utf8'));
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) {
      throw new NkdError(`${this.dir}: another nkd render (pid ${pid}) is writing this directory`, {
        code: ExitCode.Usage,
        hint: `wait for it to finish, or remove ${path} if that process is not nkd`,
      });
    }
    await rm(path, { force: true });
    await this.lock(path);
  }
}
