/** pkg/kube: @kubernetes/client-node helpers (loaded lazily by the lifecycle). */
export { loadKubeconfig, serverOf } from './kubeconfig.js';
export { applyObjects, apiMessage, FIELD_MANAGER } from './apply.js';
export { parseManifests, readManifest, applyOrder, type KubeObject } from './manifests.js';
export { waitForApi, waitForNodesReady, nodeReadiness, type WaitOptions } from './wait.js';
export { installCrds } from './crd.js';
