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
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** The API server URL a kubeconfig points at. */
export function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)';
}
