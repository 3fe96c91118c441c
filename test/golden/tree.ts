import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The golden fixtures: each test/golden/<name>/cluster.yaml with its expected tree/. */
export const GOLDEN_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of the golden fixtures (folders holding a cluster.yaml). */
export async function goldenFixtures(): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(GOLDEN_DIR, { withFileTypes: true })) {
    if (e.isDirectory() && (await readdir(join(GOLDEN_DIR, e.name))).includes('cluster.yaml')) out.push(e.name);
  }
  return out.sort();
}

/** Every file under `root` (relative paths, sorted), skipping render's transient bookkeeping. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p));
    }
  };
  await walk(root);
  return out.sort();
}

/** Replaces `dest` with a copy of the files of `src`. */
export async function copyTree(src: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  for (const f of await listTree(src)) {
    await mkdir(dirname(join(dest, f)), { recursive: true });
    await writeFile(join(dest, f), await readFile(join(src, f)));
  }
}
