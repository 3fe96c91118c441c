import { resolve, join } from 'node:path';
import type { ClusterConfig } from '../config/types.gen.js';
import { freshKeys, type KeySource } from '../pki/keys.js';
import { systemRandom, type Random } from '../pki/random.js';
import { ExitCode, NkdError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';
import { runAssets, type AssetFile, type GenerateEnv } from './asset.js';
import { renderAssets } from './graph.js';
import { readRenderInputs } from './inputs.js';
import { ignitionAssetName, type RenderedIgnition } from './node-assets.js';
import type { RenderState } from './state.js';
import { ClusterStore, sha256, type CommitHooks } from './store.js';

/** One node of a render (contracts.md). */
export interface RenderedNode {
  name: string;
  role: 'control-plane' | 'worker';
  ip?: string;
  mac?: string;
  /** Absolute path of the node's Ignition config. */
  ignitionPath: string;
  ignitionSha512: string;
  ignitionBytes: number;
}

/** What a render produced (contracts.md). */
export interface RenderResult {
  dir: string;
  nodes: RenderedNode[];
  adminKubeconfigPath: string;
  /** URLs, and absolute paths of local manifests copied into the directory, in file order. */
  postHookManifests: string[];
  /** Relative paths written by this render (changed bytes). */
  written: string[];
  /** Relative paths left as they were. */
  unchanged: string[];
}

/** Options of {@link renderCluster}; everything past rotateBootstrapToken is for tests and tools. */
export interface RenderOptions {
  dir: string;
  ui?: Ui;
  /** The clock (default: now). */
  now?: Date;
  /** Replace the bootstrap token (extend: the old one may have expired). */
  rotateBootstrapToken?: boolean;
  /** Directory relative paths in the cluster file are resolved against (LoadedConfig.baseDir; default: cwd). */
  baseDir?: string;
  /** Random source per stream (default: the system's). Tests pass a seeded one. */
  random?: (stream: string) => Random;
  /** Where new keys come from (default: fresh keys). Golden tests pass fixture keys. */
  keys?: KeySource;
  /** Interruption points, for tests of atomicity. */
  commitHooks?: CommitHooks;
  /** Aborted on SIGINT/SIGTERM: a render stopped before its commit writes nothing. */
  signal?: AbortSignal;
}

/**
 * Renders the cluster directory: PKI, kubeconfigs, bootstrap token, one kubeadm file and one
 * Ignition config per node, manifest.json and .nkd/state.json. Reuses the previous render's
 * CAs, keys and token; writes only files whose bytes changed; atomic (old or new, never a mix).
 */
export async function renderCluster(config: ClusterConfig, opts: RenderOptions): Promise<RenderResult> {
  const dir = resolve(opts.dir);
  const ui = opts.ui;
  const baseDir = resolve(opts.baseDir ?? process.cwd());
  const inputs = await readRenderInputs(config, baseDir);
  const assets = renderAssets(config, inputs);
  const store = await ClusterStore.open(dir, config.metadata.name);
  const notes: string[] = [];
  const env: GenerateEnv = {
    now: opts.now ?? new Date(),
    random: opts.random ?? (() => systemRandom),
    keys: opts.keys ?? freshKeys,
    prior: store.prior(),
    rotateBootstrapToken: opts.rotateBootstrapToken ?? false,
    note: (m) => notes.push(m),
  };
  const t0 = performance.now();
  const outputs = await runAssets(assets, env);
  const t1 = performance.now();
  const files: AssetFile[] = [];
  const state: RenderState = { apiVersion: 'nkd.nestos.openeuler.org/v1alpha1', kind: 'RenderState', cluster: config.metadata.name, assets: {} };
  const hashes = new Map<string, string>();
  for (const a of assets) {
    const out = outputs.get(a.name)!;
    files.push(...out.files);
    for (const f of out.files) hashes.set(f.path, sha256(f.contents));
    state.assets[a.name] = {
      ...(out.inputsHash ? { inputs: out.inputsHash } : {}),
      files: Object.fromEntries(out.files.map((f) => [f.path, hashes.get(f.path)!])),
    };
  }
  if (store.state) ui?.info(`reusing the CAs, keys and bootstrap token of the previous render (${join(dir, '.nkd/state.json')})`);
  for (const n of notes.sort()) ui?.info(n);
  if (opts.signal?.aborted) {
    throw new NkdError('render interrupted before writing: the cluster directory is unchanged', { code: ExitCode.Interrupted });
  }
  const result = await store.commit(files, state, opts.commitHooks, hashes);
  ui?.debug(`render: ${assets.length} assets generated in ${Math.round(t1 - t0)} ms, ${files.length} files committed in ${Math.round(performance.now() - t1)} ms`);
  const postRefs = outputs.get('manifests/post')!.value as string[];
  return {
    dir,
    nodes: config.spec.nodes.map((n) => {
      const ign = outputs.get(ignitionAssetName(n.name))!.value as RenderedIgnition;
      return {
        name: n.name,
        role: n.role,
        ...(n.ip ? { ip: n.ip } : {}),
        ...(n.mac ? { mac: n.mac } : {}),
        ignitionPath: join(dir, ign.path),
        ignitionSha512: ign.sha512,
        ignitionBytes: ign.bytes,
      };
    }),
    adminKubeconfigPath: join(dir, 'auth/admin.conf'),
    postHookManifests: postRefs.map((r) => (/^https?:\/\//.test(r) ? r : join(dir, r))),
    written: result.written,
    unchanged: result.unchanged,
  };
}
