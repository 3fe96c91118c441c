import {
  ApiException,
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PolicyV1Api,
  V1MicroTime,
  type V1CustomResourceDefinition,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';

// Timeouts are explicit per hook and test: the first beforeAll may start the shared control plane.
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, get: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(250);
  }
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      return { code: e.code, body };
    }
    throw e;
  }
  throw new Error('expected the API server to refuse the request');
}

describe('the shared test control plane (real etcd, kube-apiserver and kube-controller-manager)', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    kc = new KubeConfig();
    kc.loadFromFile(await sharedKubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    ns = uniqueNamespace('smoke');
    await core.createNamespace({ body: { metadata: { name: ns } } });
  }, 240_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await core?.deleteNamespace({ name: ns }).catch(() => undefined);
  }, 60_000);

  test('a CRD serves a custom resource whose status is written only through the status subresource', async () => {
    const group = `${ns}.smoke.nkd.test`;
    const crd: V1CustomResourceDefinition = {
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 } } },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    };
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: crd });
    cleanups.push(() => ext.deleteCustomResourceDefinition({ name: `widgets.${group}` }));
    await until('the CRD to be Established', 30_000, async () => {
      const got = await ext.readCustomResourceDefinition({ name: `widgets.${group}` });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });

    const custom = kc.makeApiClient(CustomObjectsApi);
    const ref = { group, version: 'v1', namespace: ns, plural: 'widgets' };
    const invalid = await apiError(
      custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'bad' }, spec: { size: 0 } } }),
    );
    expect(invalid.code).toBe(422);

    // The main resource ignores status; the status subresource ignores spec.
    const created = await until('the Widget resource to be served', 30_000, () =>
      custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 }, status: { phase: 'Ignored' } },
      }) as Promise<{ status?: unknown; metadata: { resourceVersion: string } }>,
    );
    expect(created.status).toBeUndefined();
    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      ...ref,
      name: 'w1',
      body: { ...created, spec: { size: 5 }, status: { phase: 'Ready' } },
    })) as { spec: { size: number }; status: { phase: string } };
    expect(withStatus.status.phase).toBe('Ready');
    expect(withStatus.spec.size).toBe(1);

    // A stale resourceVersion is a conflict.
    const stale = await apiError(custom.replaceNamespacedCustomObjectStatus({ ...ref, name: 'w1', body: { ...created, status: { phase: 'Old' } } }));
    expect(stale.code).toBe(409);
  }, 90_000);

  test('a Lease can be created, renewed, and refuses a renewal based on a stale resourceVersion', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    // Lease times are MicroTime: a plain Date serializes with milliseconds and is refused (400).
    const acquired = new V1MicroTime();
    const spec = (holder: string): V1LeaseSpec => ({
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: acquired,
      renewTime: new V1MicroTime(),
    });
    const created = await leases.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'smoke-lock' }, spec: spec('a') } });
    const renewed = await leases.replaceNamespacedLease({
      name: 'smoke-lock',
      namespace: ns,
      body: { metadata: created.metadata, spec: spec('a') },
    });
    expect(renewed.spec?.holderIdentity).toBe('a');
    expect(renewed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    const stolen = await apiError(
      leases.replaceNamespacedLease({ name: 'smoke-lock', namespace: ns, body: { metadata: created.metadata, spec: spec('b') } }),
    );
    expect(stolen.code).toBe(409);
  }, 30_000);

  test('an eviction is refused with 429 naming the PodDisruptionBudget that the disruption controller computed', async () => {
    const nodeName = `smoke-node-${randomBytes(4).toString('hex')}`;
    await core.createNode({ body: { metadata: { name: nodeName, labels: { 'nkd.test/smoke': 'true' } } } });
    cleanups.push(() => core.deleteNode({ name: nodeName }));
    // Bound to a Node by nodeName: no scheduler needed (and no kubelet runs it).
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'app-0', labels: { app: 'smoke' } },
        spec: { nodeName, containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
      },
    });
    cleanups.push(() => core.deleteNamespacedPod({ name: 'app-0', namespace: ns, gracePeriodSeconds: 0 }));
    // Pending Pods ignore budgets; play the kubelet and report it Running and Ready.
    const pending = await core.readNamespacedPod({ name: 'app-0', namespace: ns });
    const now = new Date();
    await core.replaceNamespacedPodStatus({
      name: 'app-0',
      namespace: ns,
      body: {
        ...pending,
        status: {
          phase: 'Running',
          startTime: now,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
        },
      },
    });

    const policy = kc.makeApiClient(PolicyV1Api);
    const pdb = await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: { metadata: { name: 'smoke-pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'smoke' } } } },
    });
    // Only kube-controller-manager's disruption controller writes PDB status.
    const status = await until('the disruption controller to compute the PDB status', 60_000, async () => {
      const got = await policy.readNamespacedPodDisruptionBudget({ name: 'smoke-pdb', namespace: ns });
      const st = got.status;
      return (st?.observedGeneration ?? 0) >= (pdb.metadata?.generation ?? 1) && st?.expectedPods === 1 && st.currentHealthy === 1
        ? st
        : undefined;
    });
    expect(status.disruptionsAllowed).toBe(0);
    expect(status.desiredHealthy).toBe(1);

    const eviction = { metadata: { name: 'app-0', namespace: ns } };
    const refused = await apiError(core.createNamespacedPodEviction({ name: 'app-0', namespace: ns, body: eviction }));
    expect(refused.code).toBe(429);
    const why = JSON.parse(refused.body) as { reason: string; details?: { causes?: Array<{ reason?: string; message?: string }> } };
    expect(why.reason).toBe('TooManyRequests');
    expect(why.details?.causes).toContainEqual(
      expect.objectContaining({ reason: 'DisruptionBudget', message: expect.stringContaining('smoke-pdb') }),
    );

    // Without the budget the same eviction is accepted and the Pod starts terminating.
    await policy.deleteNamespacedPodDisruptionBudget({ name: 'smoke-pdb', namespace: ns });
    await core.createNamespacedPodEviction({ name: 'app-0', namespace: ns, body: eviction });
    const pod = await core.readNamespacedPod({ name: 'app-0', namespace: ns });
    expect(pod.metadata?.deletionTimestamp).toBeDefined();
  }, 120_000);
});
