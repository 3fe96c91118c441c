/** The one place nkd builds a @kubernetes/client-node KubeConfig. */
import { access } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { usageError } from '../ui/errors.js';

/** Loads a kubeconfig file (the cluster directory's auth/admin.conf); never logs its content. */
export async function loadKubeconfig(path: string): Promise<KubeConfig> {
  try {
    await access(path);
  } catch {
    throw usageError(`kubeconfig ${path} not found`, 'run `nkd render` or `nkd deploy` for this cluster directory first');
  }
  return fromFile(path);
}

/** An in-cluster process's kubeconfig: the file when given, else in-cluster, else the default locations. */
export function inClusterKubeconfig(path?: string): KubeConfig {
  if (path) return fromFile(path);
  const kc = new KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

function fromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The API server URL a kubeconfig points at. */
export function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)';
}
