import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { platformOf } from '../infra/registry.js';
import { applyLayers } from './layers.js';
import { parseClusterYaml, readClusterFile } from './parse.js';
import { invalidConfigError, Problems, type Problem } from './problems.js';
import { fillDerived } from './resolve.js';
import { checkSemantics } from './semantic.js';
import { validateShape } from './shape.js';
import type { ClusterConfig } from './types.gen.js';

/** Where the settings come from besides the file. */
export interface LoadOptions {
  /** The cluster file. */
  file: string;
  /** Parsed command-line options (commander keys), for the layered settings. */
  flags?: Record<string, unknown>;
  /** Environment, for NKD_* settings. */
  env?: NodeJS.ProcessEnv;
}

/** A loaded, valid cluster configuration. */
export interface LoadedConfig {
  /** The resolved, frozen configuration (defaults and derived values filled). */
  config: ClusterConfig;
  /** Warnings: valid, but worth a look. */
  warnings: Problem[];
  /** The cluster file's path as given. */
  file: string;
  /** Directory relative paths in the file are resolved against. */
  baseDir: string;
}

/** JSON pointer for a dotted path: `spec.nodes[1].ip` → `/spec/nodes/1/ip`. */
function toPointer(path: string): string {
  return path ? '/' + path.replace(/\[([0-9]+)\]/g, '.$1').split('.').join('/') : '';
}

/**
 * Loads a cluster file: flag > NKD_* env > file > default, then shape and semantic
 * validation. Throws one NkdError (exit code 2) listing every error; never writes anything.
 */
export async function loadClusterConfig(opts: LoadOptions): Promise<LoadedConfig> {
  const text = await readClusterFile(opts.file);
  return loadClusterText(text, opts);
}

/** As {@link loadClusterConfig}, for text already read (property tests, stdin). */
export async function loadClusterText(text: string, opts: LoadOptions): Promise<LoadedConfig> {
  const { file } = opts;
  const parsed = parseClusterYaml(text, file);
  const doc = parsed.doc as Record<string, unknown>;
  const sources = applyLayers(doc, opts.flags ?? {}, opts.env ?? {});
  const locate = (p: Problem): Problem => {
    const pointer = toPointer(p.path);
    for (const [src, name] of sources) if (pointer === src || pointer.startsWith(src + '/')) return { ...p, source: name };
    return { ...p, line: parsed.lineOf(pointer) };
  };

  const shape = validateShape(doc).map(locate);
  if (shape.length) throw invalidConfigError(file, shape);

  const config = doc as unknown as ClusterConfig;
  fillDerived(config);
  const problems = checkSemantics(config);
  const baseDir = dirname(resolve(file));
  await checkReferencedFiles(config, baseDir, problems);
  const all = problems.list.map(locate);
  if (all.some((p) => p.severity === 'error')) throw invalidConfigError(file, all);
  return { config: deepFreeze(config), warnings: all, file, baseDir };
}

/**
 * Files render and deploy read (hook scripts, user CAs, local post-hook and CNI manifests)
 * must be readable regular files; URLs are not fetched here.
 */
async function checkReferencedFiles(c: ClusterConfig, baseDir: string, p: Problems): Promise<void> {
  const refs: Array<[string, string]> = [];
  c.spec.hooks.preScripts.forEach((h, i) => h.path && refs.push([`spec.hooks.preScripts[${i}].path`, h.path]));
  for (const [k, ca] of Object.entries(c.spec.certificates.userCAs)) {
    if (ca) refs.push([`spec.certificates.userCAs.${k}.cert`, ca.cert], [`spec.certificates.userCAs.${k}.key`, ca.key]);
  }
  c.spec.hooks.postManifests.forEach((m, i) => !/^https?:\/\//.test(m) && refs.push([`spec.hooks.postManifests[${i}]`, m]));
  refs.push(...(platformOf(c).referencedFiles?.(c) ?? []));
  const cni = c.spec.kubernetes.cni.manifest;
  if (cni && cni !== 'none' && !/^https?:\/\//.test(cni)) refs.push(['spec.kubernetes.cni.manifest', cni]);
  await Promise.all(
    refs.map(async ([path, f]) => {
      const abs = isAbsolute(f) ? f : resolve(baseDir, f);
      try {
        const st = await stat(abs);
        if (!st.isFile()) {
          p.error(path, `"${f}" is ${st.isDirectory() ? 'a directory' : 'not a regular file'} (${abs})`, 'give the path of a file, relative to the cluster file');
          return;
        }
        await access(abs, constants.R_OK);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'ELOOP' ? 'a symbolic link loop' : code === 'EACCES' ? 'not readable (permission denied)' : `cannot be read (${code ?? String(e)})`;
        p.error(path, `${why} "${f}" (looked at ${abs})`, 'paths are relative to the cluster file');
      }
    }),
  );
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
