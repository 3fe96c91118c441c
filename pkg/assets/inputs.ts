import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import type { ClusterConfig } from '../config/types.gen.js';
import { readPreScripts } from '../node/hooks.js';
import { ExitCode, NkdError } from '../ui/errors.js';
import type { UserCA } from './pki-assets.js';
import type { CaId } from '../pki/layout.js';

/** A post-hook manifest: a URL kept as is, or a local file copied into the cluster directory. */
export interface PostManifest {
  /** The URL, or the cluster-directory path of the copy. */
  ref: string;
  /** Contents of a local file (undefined for URLs). */
  contents?: string;
}

/** Everything render reads from outside the cluster directory, read once before the graph runs. */
export interface RenderInputs {
  userCAs: Partial<Record<CaId, UserCA>>;
  preScriptContents: Record<string, string>;
  postManifests: PostManifest[];
  baseDir: string;
}

async function readInput(field: string, path: string, baseDir: string): Promise<string> {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    return await readFile(abs, 'utf8');
  } catch (e) {
    throw new NkdError(`${field}: cannot read "${path}" (${abs}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      code: ExitCode.Usage,
      hint: 'paths are relative to the cluster file',
    });
  }
}

/** Reads user CAs, pre-scripts and local post-hook manifests (paths relative to baseDir). */
export async function readRenderInputs(c: ClusterConfig, baseDir: string): Promise<RenderInputs> {
  const userCAs: RenderInputs['userCAs'] = {};
  for (const id of ['kubernetes', 'etcd', 'frontProxy'] as const) {
    const ca = c.spec.certificates.userCAs[id];
    if (!ca) continue;
    const field = `spec.certificates.userCAs.${id}`;
    const [certPem, keyPem] = await Promise.all([readInput(`${field}.cert`, ca.cert, baseDir), readInput(`${field}.key`, ca.key, baseDir)]);
    userCAs[id] = { certPem, keyPem, field };
  }
  const postManifests = await Promise.all(
    c.spec.hooks.postManifests.map(async (m, i): Promise<PostManifest> => {
      if (/^https?:\/\//.test(m)) return { ref: m };
      const contents = await readInput(`spec.hooks.postManifests[${i}]`, m, baseDir);
      return { ref: `manifests/post/${String(i + 1).padStart(2, '0')}-${basename(m)}`, contents };
    }),
  );
  return { userCAs, preScriptContents: await readPreScripts(c, baseDir), postManifests, baseDir };
}
