import { canonicalJson } from '../canonical-json.js';
import { NkdError, ExitCode } from '../ui/errors.js';
import type { KeyType } from '../pki/keys.js';
import { CLUSTER_PATHS } from '../cluster-dir.js';

/** Where the render state lives in the cluster directory. */
export const STATE_PATH = CLUSTER_PATHS.state;

/** What the state file records about one asset. */
export interface AssetRecord {
  /** Hash of the asset's inputs when it was generated. */
  inputs?: string;
  /** sha256 of each file it wrote (to notice hand edits). */
  files: Record<string, string>;
}

/** .nkd/state.json: the cluster the directory belongs to and what each asset was made from. */
export interface RenderState {
  apiVersion: 'nkd.nestos.openeuler.org/v1alpha1';
  kind: 'RenderState';
  cluster: string;
  /** Key type of the keys nkd made; a re-render keeps it unless the cluster file sets one. */
  keyType?: KeyType;
  /** Who made the leaf certificates; a re-render keeps it unless the cluster file sets one. */
  leafCertificates?: 'kubeadm' | 'nkd';
  assets: Record<string, AssetRecord>;
}

/** Parses and checks a state file; `where` is its path for messages. */
export function parseState(text: string, where: string): RenderState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw stateError(where, `not JSON (${(e as Error).message})`);
  }
  const s = doc as Partial<RenderState> | null;
  if (!s || typeof s !== 'object' || s.kind !== 'RenderState' || s.apiVersion !== 'nkd.nestos.openeuler.org/v1alpha1') {
    throw stateError(where, 'not an nkd render state (kind RenderState, apiVersion nkd.nestos.openeuler.org/v1alpha1)');
  }
  if (typeof s.cluster !== 'string' || !s.assets || typeof s.assets !== 'object') {
    throw stateError(where, 'missing cluster or assets');
  }
  return s as RenderState;
}

function stateError(where: string, why: string): NkdError {
  return new NkdError(`${where}: ${why}`, {
    code: ExitCode.Usage,
    hint: 'restore the state file from version control or a backup, or render into a new directory; nothing was written',
  });
}

/** Serializes a state deterministically (sorted keys). */
export function stateJson(state: RenderState): string {
  return canonicalJson(state, 2) + '\n';
}

