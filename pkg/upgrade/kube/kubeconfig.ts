/** The kubeconfig of the operator, the agent and `nkd upgrade`. */
import { KubeConfig } from '@kubernetes/client-node';

/** Loads the kubeconfig: a file when given, else in-cluster, else the default locations. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}
