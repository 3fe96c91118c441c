/**
 * The operator's Node informer, slimmed: its cache keeps only what the planner and the node
 * steps read of each Node (name, resourceVersion, labels, this API's annotations,
 * unschedulable, the Ready condition, the kubelet version). A kubelet's Node object with its
 * images, addresses, managedFields and heartbeat times is tens of kilobytes; the slim copy is a
 * few hundred bytes, so watching 5,000 Nodes costs megabytes instead of hundreds of them
 * (test/bench/upgrade/operator-memory.bench.ts). Lists are paged so no full list is ever held.
 */
import { CoreV1Api, Watch, type KubeConfig, type ListWatch, type V1Node } from '@kubernetes/client-node';
import { listWatch } from '../kube/informer.js';
import { GROUP } from '../api/vocabulary.js';

const PAGE = 100;

/** The fields of a Node the operator reads; everything else is dropped. */
export function slimNode(n: V1Node): V1Node {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(n.metadata?.annotations ?? {})) if (k.startsWith(`${GROUP}/`)) annotations[k] = v;
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const kubeletVersion = n.status?.nodeInfo?.kubeletVersion;
  return {
    metadata: { name: n.metadata?.name, resourceVersion: n.metadata?.resourceVersion, labels: n.metadata?.labels, annotations },
    spec: n.spec?.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: ready ? [{ type: 'Ready', status: ready.status }] : [],
      ...(kubeletVersion ? { nodeInfo: { kubeletVersion } as NonNullable<V1Node['status']>['nodeInfo'] } : {}),
    },
  };
}

/** A Watch that hands the informer slim copies of the watched objects. */
class SlimWatch extends Watch {
  override watch(path: string, query: Record<string, string | number | boolean | undefined>, callback: (phase: string, obj: unknown, watchObj?: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    return super.watch(path, { ...query, allowWatchBookmarks: true }, (phase, obj, watchObj) => {
      callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? slimNode(obj as V1Node) : obj, watchObj);
    }, done);
  }
}

/** A list-watch informer of Nodes (optionally by label selector) caching slim Nodes. */
export function slimNodeInformer(kc: KubeConfig, labelSelector?: string): ListWatch<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = async () => {
    const items: V1Node[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await core.listNode({ labelSelector, limit: PAGE, _continue: cont });
      for (const n of page.items) items.push(slimNode(n));
      cont = page.metadata?._continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { apiVersion: 'v1', kind: 'NodeList', items, metadata: { resourceVersion } };
  };
  return listWatch<V1Node>(kc, '/api/v1/nodes', list, labelSelector, new SlimWatch(kc));
}
