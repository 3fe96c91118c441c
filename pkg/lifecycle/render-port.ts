import type { ClusterConfig } from '../config/types.gen.js';
import type { Ui } from '../ui/output.js';

/** One node as render wrote it (the render contract, pkg/assets/render.ts). */
export interface RenderedNode {
  name: string;
  role: 'control-plane' | 'worker';
  ip?: string;
  mac?: string;
  ignitionPath: string;
  ignitionSha512: string;
  ignitionBytes: number;
}

/** What render wrote into the cluster directory. */
export interface RenderResult {
  dir: string;
  nodes: RenderedNode[];
  adminKubeconfigPath: string;
  postHookManifests: string[];
  written: string[];
  unchanged: string[];
}

/** The render step deploy runs first; injected so the lifecycle is testable on its own. */
export type RenderFn = (config: ClusterConfig, opts: { dir: string; ui?: Ui; rotateBootstrapToken?: boolean; baseDir?: string }) => Promise<RenderResult>;

/** pkg/assets/render.ts renderCluster, loaded lazily (it pulls in the whole asset graph). */
export const renderWithAssets: RenderFn = async (config, opts) => {
  const { renderCluster } = await import('../assets/render.js');
  return renderCluster(config, opts);
};
