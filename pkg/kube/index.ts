/**
 * What the lifecycle uses of pkg/kube, loaded with one import() so @kubernetes/client-node is
 * read only by the phases that talk to the cluster.
 */
export { loadKubeconfig, serverOf } from './kubeconfig.js';
export { applyObjects } from './apply.js';
export { readManifest } from './manifests.js';
export { waitForApi, waitForNodesReady, nodeReadiness } from './wait.js';
export { installCrds } from './crd.js';
