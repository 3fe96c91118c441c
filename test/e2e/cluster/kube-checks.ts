/**
 * What the real-cluster test asks of the cluster, through the admin kubeconfig nkd left in the
 * cluster directory (so every check also proves that kubeconfig works).
 */
import { AppsV1Api, CoreV1Api, KubeConfig, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { waitFor } from './host.js';

/** The API clients of one kubeconfig. */
export function clients(kubeconfig: string): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api; policy: PolicyV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), policy: kc.makeApiClient(PolicyV1Api) };
}

const podReady = (p: V1Pod): boolean => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Waits until every pod matching the selector in the namespace is Running and Ready (at least `min`). */
export async function waitPodsReady(core: CoreV1Api, namespace: string, labelSelector: string, min: number, timeoutMs: number): Promise<V1Pod[]> {
  return waitFor(`${min}+ Ready pods ${labelSelector} in ${namespace}`, async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector })).items;
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    return live.length >= min && live.every(podReady) ? live : undefined;
  }, timeoutMs, 2000);
}

/** The static control-plane pods of a node, Running and Ready. */
export async function waitControlPlanePods(core: CoreV1Api, node: string, timeoutMs: number): Promise<string[]> {
  const want = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => `${c}-${node}`);
  return waitFor(`the control-plane pods of ${node}`, async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'kube-system' })).items;
    const ready = want.filter((n) => pods.some((p) => p.metadata?.name === n && podReady(p)));
    return ready.length === want.length ? ready : undefined;
  }, timeoutMs, 2000);
}

/** A Deployment of busybox httpd pinned to one node, serving its pod name. */
export function webDeployment(name: string, image: string, node: string, replicas = 1): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': node },
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'web',
            image,
            command: ['/bin/busybox', 'sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www'],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 },
          }],
        },
      },
    },
  };
}
