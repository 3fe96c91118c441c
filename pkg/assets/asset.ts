import { NkdError, wrapError } from '../ui/errors.js';
import type { KeySource } from '../pki/keys.js';
import type { Random } from '../pki/random.js';
import type { PriorRender } from './prior.js';

/** A file an asset produces, relative to the cluster directory. */
export interface AssetFile {
  /** Relative path with forward slashes, e.g. "pki/ca.crt". */
  path: string;
  contents: string | Buffer;
  /** Secrets (keys, kubeconfigs, tokens, configs holding them) are written 0600, others 0644. */
  secret: boolean;
}

/** What `generate` returns: a value for dependent assets, files, and the hash of its inputs. */
export interface AssetOutput<T = unknown> {
  value: T;
  files: AssetFile[];
  /** Hash of everything the output was made from; recorded in .nkd/state.json. */
  inputsHash?: string;
}

/** Everything outside the config an asset may use: injected, so generate stays pure. */
export interface GenerateEnv {
  /** The clock (certificate validity starts here). */
  now: Date;
  /** A random stream per asset name: parallel assets stay deterministic with a seeded source. */
  random: (stream: string) => Random;
  /** Where new keys come from. */
  keys: KeySource;
  /** The previous render of this directory (reused CAs, keys, tokens). */
  prior: PriorRender;
  /** Replace the bootstrap token even when one exists (extend). */
  rotateBootstrapToken: boolean;
  /** Records a line for the user ("reusing pki/ca from the previous render"). */
  note(message: string): void;
}

/** The values of an asset's dependencies, by asset name. */
export class Parents {
  constructor(private readonly values: ReadonlyMap<string, unknown>) {}

  /** The value of dependency `name` (it must be listed in the asset's dependencies). */
  get<T>(name: string): T {
    if (!this.values.has(name)) throw new Error(`internal: asset dependency ${name} missing`);
    return this.values.get(name) as T;
  }
}

/** One generated artifact: a name, what it depends on, and a pure generate. */
export interface Asset<T = unknown> {
  name: string;
  dependencies: readonly string[];
  /** Names of the keys a first render of this asset makes: started before the graph runs. */
  keys?: readonly string[];
  generate(parents: Parents, env: GenerateEnv): Promise<AssetOutput<T>>;
}

/**
 * Runs every asset once its dependencies are done; independent assets run concurrently (key
 * generation overlaps on the thread pool). Errors name the asset. An abort of `signal` rejects
 * at once with its reason (assets still running finish unobserved; they write nothing).
 */
export async function runAssets(assets: readonly Asset[], env: GenerateEnv, signal?: AbortSignal): Promise<Map<string, AssetOutput>> {
  const byName = new Map(assets.map((a) => [a.name, a]));
  if (byName.size !== assets.length) throw new Error('internal: duplicate asset names');
  for (const a of assets) {
    for (const d of a.dependencies) if (!byName.has(d)) throw new Error(`internal: asset ${a.name} depends on unknown ${d}`);
  }
  const outputs = new Map<string, AssetOutput>();
  const running = new Map<string, Promise<AssetOutput>>();
  const visiting = new Set<string>();
  const start = (a: Asset): Promise<AssetOutput> => {
    const existing = running.get(a.name);
    if (existing) return existing;
    if (visiting.has(a.name)) throw new Error(`internal: dependency cycle at asset ${a.name}`);
    visiting.add(a.name);
    const deps = a.dependencies.map((d) => start(byName.get(d)!));
    const p = Promise.all(deps).then(async (outs) => {
      const values = new Map(a.dependencies.map((d, i) => [d, outs[i]!.value]));
      let out: AssetOutput;
      try {
        out = await a.generate(new Parents(values), env);
      } catch (e) {
        throw e instanceof NkdError ? e : wrapError(`rendering ${a.name}`, e);
      }
      outputs.set(a.name, out);
      return out;
    });
    running.set(a.name, p);
    return p;
  };
  const all = Promise.all(assets.map(start));
  if (!signal) {
    await all;
    return outputs;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  all.catch(() => undefined);
  try {
    await Promise.race([all, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
  return outputs;
}
