import type { ClusterConfig } from '../config/types.gen.js';
import type { Ui } from '../ui/output.js';
import { writeGitignore } from './gitignore.js';

import type { RenderResult } from '../assets/render.js';

/** The render contract (type-only: importing it loads nothing of the asset graph). */
export type { RenderedNode, RenderResult } from '../assets/render.js';

/** The render step deploy runs first; injected so the lifecycle is testable on its own. */
export type RenderFn = (config: ClusterConfig, opts: { dir: string; ui?: Ui; rotateBootstrapToken?: boolean; baseDir?: string }) => Promise<RenderResult>;

/** pkg/assets/render.ts renderCluster, loaded lazily (it pulls in the whole asset graph). */
export const renderWithAssets: RenderFn = async (config, opts) => {
  const { renderCluster } = await import('../assets/render.js');
  const r = await renderCluster(config, opts);
  await writeGitignore(r.dir);
  return r;
};
