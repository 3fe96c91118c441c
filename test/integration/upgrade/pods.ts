/** Pods for drain tests on the real API server (no scheduler or kubelet: the test binds and plays them). */
import { AppsV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions } from '@kubernetes/client-node';
import type { SimCluster } from './sim-cluster.js';

/** A ReplicaSet-owned pod bound to the node, Running and Ready (a Pending pod may be evicted regardless of its budget). */
export async function podOn(sim: SimCluster, namespace: string, node: string, app: string): Promise<void> {
  const apps = sim.kc.makeApiClient(AppsV1Api);
  const labels = { app, 'nkd-test': sim.id };
  const rs = await apps.createNamespacedReplicaSet({ namespace, body: { metadata: { name: app }, spec: { replicas: 1, selector: { matchLabels: { app } }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'pause' }] } } } } });
  await sim.core.createNamespacedPod({ namespace, body: {
    metadata: { name: `${app}-0`, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: app, uid: rs.metadata?.uid ?? '', controller: true }] },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'pause' }] },
  } });
  const now = new Date();
  await sim.core.patchNamespacedPodStatus({ name: `${app}-0`, namespace, body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

/** A PodDisruptionBudget `<app>-pdb` that allows no eviction of the app's single pod. */
export async function pdbFor(sim: SimCluster, namespace: string, app: string): Promise<void> {
  await sim.kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({ namespace, body: { metadata: { name: `${app}-pdb` }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } } });
}
