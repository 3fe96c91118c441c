/**
 * The API server the upgrade benchmarks run against: NKD_TEST_KUBECONFIG when set, else a
 * fresh etcd + kube-apiserver from the test harness; undefined (the benchmark is skipped, with
 * a line saying why) when the kube binaries are not built (hack/env/10-kube.sh builds them).
 */
import { existsSync } from 'node:fs';
import { kubeBinary, startControlPlane } from '../../harness/controlplane.js';
import { installCrds, kubeConfig } from '../../integration/upgrade/sim-cluster.js';

/** A kubeconfig path with the upgrade CRDs installed, and how to stop what was started. */
export interface BenchApiServer { path: string; stop(): Promise<void> }

/** Starts (or reuses) the API server and installs the CRDs. */
export async function benchApiServer(bench: string): Promise<BenchApiServer | undefined> {
  let server: BenchApiServer;
  if (process.env.NKD_TEST_KUBECONFIG) {
    server = { path: process.env.NKD_TEST_KUBECONFIG, stop: async () => undefined };
  } else {
    let built = false;
    try { built = existsSync(kubeBinary('kube-apiserver')); } catch { built = false; }
    if (!built) {
      console.error(`${bench}: skipped: no kube-apiserver built (run bash hack/env/10-kube.sh) and NKD_TEST_KUBECONFIG is not set`);
      return undefined;
    }
    const cp = await startControlPlane();
    server = { path: cp.kubeconfigPath, stop: cp.stop };
  }
  await installCrds(kubeConfig(server.path));
  return server;
}
