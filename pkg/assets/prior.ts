import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetRecord, RenderState } from './state.js';

/** The previous render of a cluster directory, as assets see it (read-only). */
export interface PriorRender {
  /** The state file of the previous render, if any. */
  readonly state?: RenderState;
  /** A file of the previous render (relative path); undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** What the state recorded about an asset. */
  record(asset: string): AssetRecord | undefined;
}

/** No previous render: a new directory. */
export const noPrior: PriorRender = {
  read: () => Promise.resolve(undefined),
  record: () => undefined,
};

/** The previous render stored in `dir`. */
export function diskPrior(dir: string, state: RenderState | undefined): PriorRender {
  return {
    state,
    async read(path) {
      try {
        return await readFile(join(dir, path), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    record: (asset) => state?.assets[asset],
  };
}
