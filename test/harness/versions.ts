import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../pkg/paths.js';

/** The shape of pkg/versions/kubernetes.json, the one place for Kubernetes versions. */
export interface KubernetesVersions {
  supportedMinors: string[];
  testVersions: string[];
  etcd: { source: string; debianPackage?: string; binary?: string };
}

/** Reads pkg/versions/kubernetes.json. */
export function kubernetesVersions(): KubernetesVersions {
  const file = join(packageRoot(), 'pkg', 'versions', 'kubernetes.json');
  return JSON.parse(readFileSync(file, 'utf8')) as KubernetesVersions;
}

/** The newest Kubernetes version the tests run against (testVersions[0]). */
export function newestTestVersion(): string {
  const v = kubernetesVersions().testVersions[0];
  if (!v) throw new Error('pkg/versions/kubernetes.json: testVersions is empty');
  return v;
}
