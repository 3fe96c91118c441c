import type { V1Node } from '@kubernetes/client-node';
import { nodeFacts } from '../../../pkg/upgrade/operator/controller.js';
import { slimNode } from '../../../pkg/upgrade/operator/node-informer.js';
import { Annotation } from '../../../pkg/upgrade/api/vocabulary.js';
import { WrittenObjects } from '../../../pkg/upgrade/kube/written.js';

/** A Node as a kubelet registers it, with what the operator never reads. */
function kubeletNode(): V1Node {
  const now = new Date();
  return {
    metadata: {
      name: 'w-1', resourceVersion: '42', uid: 'u', labels: { 'kubernetes.io/hostname': 'w-1', pool: 'a' },
      annotations: { [Annotation.cordonedBy]: 'up-1', [Annotation.bootedImage]: 'img@sha256:1', 'node.alpha.kubernetes.io/ttl': '0' },
      managedFields: [{ manager: 'kubelet', operation: 'Update', fieldsV1: { 'f:status': {} } }],
    },
    spec: { unschedulable: true, podCIDR: '10.0.0.0/24' },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletHasSufficientMemory', message: 'x' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      nodeInfo: { kubeletVersion: 'v1.36.4', kubeProxyVersion: '', machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: 'k', osImage: 'NestOS', containerRuntimeVersion: 'cri-o://1.29', operatingSystem: 'linux', architecture: 'amd64' },
      images: Array.from({ length: 30 }, (_, k) => ({ names: [`registry.example/app-${k}@sha256:${'0'.repeat(64)}`], sizeBytes: k })),
      addresses: [{ type: 'InternalIP', address: '172.16.0.1' }],
    },
  };
}

describe('the slim Node cache of the operator', () => {
  it('keeps every fact the planner and the node steps read, and drops the rest', () => {
    const full = kubeletNode();
    const slim = slimNode(full);
    expect(nodeFacts(slim)).toEqual(nodeFacts(full));
    expect(slim.metadata).toEqual({ name: 'w-1', resourceVersion: '42', labels: full.metadata?.labels, annotations: { [Annotation.cordonedBy]: 'up-1', [Annotation.bootedImage]: 'img@sha256:1' } });
    expect(slim.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.36.4' } });
    expect(JSON.stringify(slim).length).toBeLessThan(JSON.stringify(full).length / 10);
  });

  it('reads a Node without status as not Ready with no kubelet version', () => {
    const slim = slimNode({ metadata: { name: 'new' } });
    expect(nodeFacts(slim)).toMatchObject({ name: 'new', ready: false, unschedulable: false, kubeletVersion: undefined });
  });
});

describe('what a component wrote, until its cache catches up', () => {
  const obj = (rv: string, v: string) => ({ metadata: { name: 'a', resourceVersion: rv }, v });

  it('prefers its own write over any cached version that write superseded, through a chain of writes', () => {
    const w = new WrittenObjects<ReturnType<typeof obj>>();
    w.remember(obj('2', 'first write'), '1');
    w.remember(obj('3', 'second write'), '2');
    expect(w.resolve('a', obj('1', 'stale'))?.v).toBe('second write');
    expect(w.resolve('a', obj('2', 'our first write, stale now'))?.v).toBe('second write');
    expect(w.resolve('a', undefined)?.v).toBe('second write');
  });

  it('takes the cached object once it is our last write or anything newer, and then forgets', () => {
    const w = new WrittenObjects<ReturnType<typeof obj>>();
    w.remember(obj('2', 'ours'), '1');
    expect(w.resolve('a', obj('7', 'someone else, later'))?.v).toBe('someone else, later');
    expect(w.resolve('a', obj('1', 'an old event')))?.toMatchObject({ v: 'an old event' }); // forgotten: the cache rules again
  });
});
