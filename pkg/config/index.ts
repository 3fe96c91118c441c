/** The cluster configuration: schema, types, loading and validation. */
export { loadClusterConfig, loadClusterText, type LoadedConfig, type LoadOptions } from './load.js';
export type * from './types.gen.js';
export { formatProblem, type Problem } from './problems.js';
export { layeredSettings } from './layers.js';
