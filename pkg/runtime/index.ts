/** Container runtime configuration for the kubelet: containerd, CRI-O, iSulad, Docker + cri-dockerd. */
export type { RuntimeType, RuntimeSetup, RuntimeDropin, RuntimeOptions } from './types.js';
export { runtimeSetup } from './setup.js';
export { criSocket, kubeletRuntimeArgs, crictlYaml } from './endpoints.js';
export { registryHosts, type RegistryHosts } from './registries.js';
export { containerdConfigToml, containerdHostsToml } from './containerd.js';
export { crioDropin, registriesConf } from './crio.js';
export { isuladDaemonJson } from './isulad.js';
export { dockerDaemonJson, criDockerdDropin } from './docker.js';
