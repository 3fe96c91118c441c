/** Per-node assembly: everything one NestOS host needs, as one Ignition config. */
export { buildNodeIgnition, type BuildOptions } from './assemble.js';
export type { HostFile, NodeExtras, NodeIgnition } from './types.js';
export { readPreScripts, preScriptHostPath } from './hooks.js';
export { HOST } from './host-paths.js';
export { needsSuperAdmin, kubeVipPod, vrrpRouterId } from './vip.js';
export { KUBERNETES_MODULES, KUBERNETES_SYSCTLS } from './system.js';
