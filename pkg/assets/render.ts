import { resolve, join } from 'node:path';
import type { ClusterConfig } from '../config/types.gen.js';
import yaml from 'js-yaml';
import { defaultKeyType, type KeySource, type KeyType } from '../pki/keys.js';
import { KeyProcesses } from '../pki/keygen-process.js';
import { KeyPool } from '../pki/keygen.js';
import { systemRandom, type Random } from '../pki/random.js';
import type { Ui } from '../ui/output.js';
import { runAssets, type AssetFile, type AssetOutput, type GenerateEnv } from './asset.js';
import { renderAssets } from './graph.js';
import { readRenderInputs } from './inputs.js';
import { platformOf } from '../infra/registry.js';
import { sshHostKeyAssetName } from './ssh-assets.js';
import type { SshHostKey } from '../pki/ssh-host-key.js';
import { ignitionAssetName, type RenderedIgnition } from './node-assets.js';
import type { RenderState } from './state.js';
import { ClusterStore, interruptedBeforeCommit, sha256, type CommitObserver } from './store.js';
import { ClusterDir } from '../cluster-dir.js';

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
  /** Two-stage platforms: the node's secret bundle (absolute path, SHA-512 of its bytes). */
  secretBundle?: { path: string; sha512: string };
  /** Platforms with sshHostKeys: the public host key nkd made for the node (`ssh-ed25519 … comment`), or the host's own (an existing host). */
  sshHostKey?: string;
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
  /** New keys this render generated (0 when every key was reused). */
  keysGenerated?: number;
  /** Key type of the keys nkd made (spec.certificates.keyType, or the directory's, or the version's default). */
  keyType?: KeyType;
}

/** What a render is asked to do. */
export interface RenderOptions {
  dir: string;
  ui?: Ui;
  /** Replace the bootstrap token (extend: the old one may have expired). */
  rotateBootstrapToken?: boolean;
  /** Directory relative paths in the cluster file are resolved against (LoadedConfig.baseDir; default: cwd). */
  baseDir?: string;
  /** Aborted on SIGINT/SIGTERM: a render stopped before its commit writes nothing. */
  signal?: AbortSignal;
}

/**
 * Renders the cluster directory: PKI, kubeconfigs, bootstrap token, one kubeadm file and one
 * Ignition config per node, manifest.json and .nkd/state.json. Reuses the previous render's
 * CAs, keys and token; writes only files whose bytes changed; atomic (old or new, never a mix).
 */
/**
 * Where a render's clock, randomness and keys come from, and who watches its commit: the real
 * ones by default; golden renders pass a fixed clock, seeded randomness and fixture keys, the
 * atomicity tests an observer that interrupts the commit.
 */
export interface RenderDeps {
  /** The clock (default: now). */
  now?: Date;
  /** Random source per stream (default: the system's). */
  random?: (stream: string) => Random;
  /** Where new keys come from (default: fresh keys, in child processes). */
  keys?: KeySource;
  commitObserver?: CommitObserver;
}

export async function renderCluster(given: ClusterConfig, opts: RenderOptions, deps: RenderDeps = {}): Promise<RenderResult> {
  const dir = resolve(opts.dir);
  const ui = opts.ui;
  const baseDir = resolve(opts.baseDir ?? process.cwd());
  const inputs = await readRenderInputs(given, baseDir);
  const store = await ClusterStore.open(dir, given.metadata.name, { observer: deps.commitObserver });
  const keyType = await directoryKeyType(given, store, ui);
  const leafCertificates = directoryLeaves(given, store, ui);
  // Resolved settings first, wherever they came from, so the resolved cluster.yaml reads the same either way.
  const config: ClusterConfig = { ...given, spec: { ...given.spec, certificates: { keyType, leafCertificates, ...given.spec.certificates } } };
  const assets = renderAssets(config, inputs);
  const procs = deps.keys ? undefined : new KeyProcesses();
  const pool = new KeyPool(deps.keys ?? procs!.keys, { signal: opts.signal });
  const stopProcs = (): void => procs?.close();
  opts.signal?.addEventListener('abort', stopProcs, { once: true });
  if (!store.state) {
    // A new directory needs every key: start them all now, so leaf and kubeconfig keys are
    // made while their CA's own key is still being generated.
    const names = assets.flatMap((a) => a.keys ?? []);
    if (names.length) ui?.info(`generating ${names.length} ${KEY_LABEL[keyType]} keys, ${pool.concurrency} at a time`);
    pool.prefetch(names, keyType);
  }
  const notes: string[] = [];
  const env: GenerateEnv = {
    now: deps.now ?? new Date(),
    random: deps.random ?? (() => systemRandom),
    keys: pool.keys,
    prior: store.prior(),
    rotateBootstrapToken: opts.rotateBootstrapToken ?? false,
    note: (m) => notes.push(m),
  };
  const t0 = performance.now();
  let outputs: Map<string, AssetOutput>;
  try {
    outputs = await runAssets(assets, env, opts.signal);
  } catch (e) {
    if (opts.signal?.aborted) throw interruptedBeforeCommit();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', stopProcs);
    stopProcs();
  }
  const t1 = performance.now();
  const files: AssetFile[] = [];
  const state: RenderState = { apiVersion: 'nkd.nestos.openeuler.org/v1alpha1', kind: 'RenderState', cluster: config.metadata.name, keyType, leafCertificates, assets: {} };
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
  if (store.state) ui?.info(`reusing the CAs, keys and bootstrap token of the previous render (${new ClusterDir(dir).state})`);
  for (const n of notes.sort()) ui?.info(n);
  if (opts.signal?.aborted) throw interruptedBeforeCommit();
  const result = await store.commit(files, state, hashes, opts.signal);
  ui?.debug(`render: ${assets.length} assets generated in ${Math.round(t1 - t0)} ms (${pool.generated} new keys), ${files.length} files committed in ${Math.round(performance.now() - t1)} ms`);
  const postRefs = outputs.get('manifests/post')!.value as string[];
  return {
    dir,
    nodes: config.spec.nodes.map((n) => {
      const hostKey = (node: string) => (outputs.get(sshHostKeyAssetName(node))?.value as SshHostKey | undefined)?.publicLine;
      const sshKey = (node: typeof n) => hostKey(node.name) ?? platformOf(config).ownHostKey?.(node)?.trim();
      const ign = outputs.get(ignitionAssetName(n.name))!.value as RenderedIgnition;
      return {
        name: n.name,
        role: n.role,
        ...(n.ip ? { ip: n.ip } : {}),
        ...(n.mac ? { mac: n.mac } : {}),
        ignitionPath: join(dir, ign.path),
        ignitionSha512: ign.sha512,
        ignitionBytes: ign.bytes,
        ...(ign.secretBundle ? { secretBundle: { path: join(dir, ign.secretBundle.path), sha512: ign.secretBundle.sha512 } } : {}),
        ...(sshKey(n) ? { sshHostKey: sshKey(n) } : {}),
      };
    }),
    adminKubeconfigPath: new ClusterDir(dir).adminKubeconfig,
    postHookManifests: postRefs.map((r) => (/^https?:\/\//.test(r) ? r : join(dir, r))),
    written: result.written,
    unchanged: result.unchanged,
    keysGenerated: pool.generated,
    keyType,
  };
}

/**
 * Who makes the leaf certificates: the cluster file's choice, else the directory's (its state
 * file; a state file without one is from an nkd that always made them), else kubeadm.
 */
function directoryLeaves(c: ClusterConfig, store: ClusterStore, ui: Ui | undefined): 'kubeadm' | 'nkd' {
  const set = c.spec.certificates.leafCertificates;
  if (set) return set;
  if (!store.state) return 'kubeadm';
  const kept = store.state.leafCertificates ?? 'nkd';
  if (kept === 'nkd') ui?.info('keeping the leaf certificates nkd made in this directory (set spec.certificates.leafCertificates: kubeadm to leave them to kubeadm)');
  return kept;
}

const KEY_LABEL: Record<KeyType, string> = { 'rsa-2048': 'RSA-2048', 'ecdsa-p256': 'ECDSA P-256' };

/**
 * The key type of this render: the cluster file's, else the one the directory was rendered
 * with (its state file, or for a directory rendered before nkd recorded it, its resolved
 * cluster.yaml, else RSA-2048, the old default), else the Kubernetes version's default.
 */
async function directoryKeyType(c: ClusterConfig, store: ClusterStore, ui: Ui | undefined): Promise<KeyType> {
  const set = c.spec.certificates.keyType;
  if (set) return set;
  const fallback = defaultKeyType(c.spec.kubernetes.version);
  if (!store.state) return fallback;
  let kept = store.state.keyType;
  if (!kept) {
    const text = await store.prior().read('cluster.yaml');
    let doc: { spec?: { certificates?: { keyType?: unknown } } } | undefined;
    try {
      doc = text === undefined ? undefined : (yaml.load(text) as typeof doc);
    } catch {
      doc = undefined;
    }
    const t = doc?.spec?.certificates?.keyType;
    kept = t === 'ecdsa-p256' || t === 'rsa-2048' ? t : 'rsa-2048';
  }
  if (kept !== fallback) ui?.info(`keeping key type ${kept} of this directory (set spec.certificates.keyType to change it; its CAs stay)`);
  return kept;
}
