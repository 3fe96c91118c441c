import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { kubernetesVersions, newestTestVersion } from './versions.js';

/** Names of the Kubernetes binaries hack/kube/build.sh builds. */
export type KubeBinaryName =
  | 'kube-apiserver' | 'kube-controller-manager' | 'kubeadm'
  // Built for the real-cluster test by hack/env/50-cluster.sh (hack/cluster/build.sh).
  | 'kube-scheduler' | 'kube-proxy' | 'kubelet' | 'kubectl';

/** Binaries that hack/env/10-kube.sh builds; the others come from hack/env/50-cluster.sh. */
const CONTROL_PLANE_BINARIES: readonly KubeBinaryName[] = ['kube-apiserver', 'kube-controller-manager', 'kubeadm'];

/** The cache folder of built Kubernetes binaries: ${NKD_CACHE_DIR:-$HOME/.cache/nkd}/kube. */
export function kubeCacheDir(): string {
  return join(process.env.NKD_CACHE_DIR || join(homedir(), '.cache', 'nkd'), 'kube');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a cached Kubernetes binary (default version: the newest test version); throws
 * an Error naming the install command when it has not been built.
 */
export function kubeBinary(name: KubeBinaryName, version: string = newestTestVersion()): string {
  const path = join(kubeCacheDir(), version.replace(/^v/, ''), name);
  if (!isExecutable(path)) {
    throw new Error(
      `${name} ${version} is not built (no executable ${path}). ` +
        `Install the test environment with: bash hack/env/${CONTROL_PLANE_BINARIES.includes(name) ? '10-kube' : '50-cluster'}.sh ` +
        `(or: bash hack/kube/build.sh ${version} ${name})`,
    );
  }
  return path;
}

/** The etcd server binary (Debian's etcd-server); throws an Error naming the install command when missing. */
export function etcdBinary(): string {
  const path = kubernetesVersions().etcd.binary ?? '/usr/bin/etcd';
  if (!isExecutable(path)) {
    throw new Error(`etcd is not installed (no executable ${path}). Install the test environment with: bash hack/env/10-kube.sh`);
  }
  return path;
}
