/** Shared set-up of the upgrade integration suites: the shared API server, CRDs, a sim cluster per test. */
import { CoreV1Api } from '@kubernetes/client-node';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { installCrds, kubeConfig, SimCluster } from './sim-cluster.js';

let crdsInstalled: Promise<void> | undefined;

/** A fresh simulated cluster on the shared API server (CRDs installed once per process), and a namespace for the Lease. */
export async function newSim(): Promise<{ sim: SimCluster; namespace: string }> {
  const path = await sharedKubeconfig();
  const kc = kubeConfig(path);
  crdsInstalled ??= installCrds(kc);
  await crdsInstalled;
  const namespace = uniqueNamespace('upgrade');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const sim = new SimCluster(kc, path);
  await sim.startObservers();
  return { sim, namespace };
}
