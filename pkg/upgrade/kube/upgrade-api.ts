/**
 * The Kubernetes calls of the operator, the agent and the deployer's upgrade client, behind one
 * small interface so the controller reads as steps and the benchmarks can count requests. The implementation uses
 * @kubernetes/client-node 1.x (object-style calls).
 */
import {
  ApiException, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, PolicyV1Api, VersionApi,
  setHeaderOptions, type V1Lease, type V1Node, type V1Pod, type V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import type { NodeUpgrade, Upgrade } from '../api/types.js';
import { GROUP, NODE_UPGRADES, OPERATOR_NAME, UPGRADES, VERSION } from '../api/vocabulary.js';

/** An Event to record on an object. */
export interface EventSpec {
  kind: 'Upgrade' | 'NodeUpgrade' | 'Node';
  name: string;
  uid?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The calls the operator and agent make. Each write that must not race passes a resourceVersion. */
export interface UpgradeApi {
  getUpgrade(name: string): Promise<Upgrade | undefined>;
  listUpgrades(): Promise<Upgrade[]>;
  /** Creates an Upgrade with strict field validation: an unknown or duplicate field is a 400, not silently dropped. */
  createUpgrade(u: Upgrade): Promise<Upgrade>;
  /** JSON merge patch of an Upgrade (spec, labels), with strict field validation. */
  patchUpgrade(name: string, patch: object): Promise<Upgrade>;
  /** Replaces Upgrade.status; fails with a conflict when metadata.resourceVersion is stale. */
  replaceUpgradeStatus(u: Upgrade): Promise<Upgrade>;
  getNodeUpgrade(name: string): Promise<NodeUpgrade | undefined>;
  listNodeUpgrades(labelSelector?: string): Promise<NodeUpgrade[]>;
  createNodeUpgrade(nu: NodeUpgrade): Promise<NodeUpgrade>;
  replaceNodeUpgrade(nu: NodeUpgrade): Promise<NodeUpgrade>;
  replaceNodeUpgradeStatus(nu: NodeUpgrade): Promise<NodeUpgrade>;
  getNode(name: string): Promise<V1Node | undefined>;
  listNodes(): Promise<V1Node[]>;
  /** JSON merge patch of a Node; include metadata.resourceVersion in the patch to guard it. */
  mergePatchNode(name: string, patch: object): Promise<V1Node>;
  listPodsOnNode(node: string): Promise<V1Pod[]>;
  listPods(namespace: string, labelSelector: string, node: string): Promise<V1Pod[]>;
  /** Creates an Eviction; resolves "evicted", "blocked" (429: a PodDisruptionBudget) or "gone" (404). */
  evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<'evicted' | 'blocked' | 'gone'>;
  deletePod(namespace: string, name: string, gracePeriodSeconds: number): Promise<void>;
  listPdbs(namespace: string): Promise<V1PodDisruptionBudget[]>;
  recordEvent(namespace: string, e: EventSpec): Promise<void>;
  readLease(namespace: string, name: string): Promise<V1Lease | undefined>;
  createLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
  replaceLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
  serverVersion(): Promise<string>;
  /** Requests made so far (the operator's nkd_upgrade_api_requests). */
  readonly requests: number;
}

/** The HTTP status of an API error, if it is one. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const c = (err as { code?: unknown; statusCode?: unknown } | null)?.code ?? (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof c === 'number' ? c : undefined;
}

/** True for a 409 Conflict (stale resourceVersion or already exists). */
export function isConflict(err: unknown): boolean {
  return statusOf(err) === 409;
}

/** True for a 404 Not Found. */
export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try { return await p; } catch (e) { if (isNotFound(e)) return undefined; throw e; }
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const co = { group: GROUP, version: VERSION };

/** UpgradeApi over @kubernetes/client-node. */
export class ClientNodeApi implements UpgradeApi {
  requests = 0;
  /** Requests made so far by call name (the benchmarks print them). */
  readonly requestsByCall = new Map<string, number>();
  /** Of those, the ones answered 409 Conflict, by call name. */
  readonly conflictsByCall = new Map<string, number>();
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly policy: PolicyV1Api;
  private readonly coord: CoordinationV1Api;
  private readonly version: VersionApi;

  constructor(kc: KubeConfig, private readonly component = OPERATOR_NAME) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.policy = kc.makeApiClient(PolicyV1Api);
    this.coord = kc.makeApiClient(CoordinationV1Api);
    this.version = kc.makeApiClient(VersionApi);
  }

  private count<T>(call: string, p: Promise<T>): Promise<T> {
    this.requests += 1;
    this.requestsByCall.set(call, (this.requestsByCall.get(call) ?? 0) + 1);
    return p.catch((e: unknown) => {
      if (isConflict(e)) this.conflictsByCall.set(call, (this.conflictsByCall.get(call) ?? 0) + 1);
      throw e;
    });
  }

  getUpgrade(name: string) { return orUndefined(this.count('getUpgrade', this.custom.getClusterCustomObject({ ...co, plural: UPGRADES, name }) as Promise<Upgrade>)); }
  async listUpgrades() { return ((await this.count('listUpgrades', this.custom.listClusterCustomObject({ ...co, plural: UPGRADES }))) as { items: Upgrade[] }).items; }
  createUpgrade(u: Upgrade) {
    return this.count('createUpgrade', this.custom.createClusterCustomObject({ ...co, plural: UPGRADES, body: u, fieldManager: this.component, fieldValidation: 'Strict' }) as Promise<Upgrade>);
  }
  patchUpgrade(name: string, patch: object) {
    return this.count('patchUpgrade', this.custom.patchClusterCustomObject({ ...co, plural: UPGRADES, name, body: patch, fieldManager: this.component, fieldValidation: 'Strict' }, merge) as Promise<Upgrade>);
  }
  replaceUpgradeStatus(u: Upgrade) { return this.count('replaceUpgradeStatus', this.custom.replaceClusterCustomObjectStatus({ ...co, plural: UPGRADES, name: u.metadata.name, body: u }) as Promise<Upgrade>); }
  getNodeUpgrade(name: string) { return orUndefined(this.count('getNodeUpgrade', this.custom.getClusterCustomObject({ ...co, plural: NODE_UPGRADES, name }) as Promise<NodeUpgrade>)); }
  async listNodeUpgrades(labelSelector?: string) { return ((await this.count('listNodeUpgrades', this.custom.listClusterCustomObject({ ...co, plural: NODE_UPGRADES, labelSelector }))) as { items: NodeUpgrade[] }).items; }
  createNodeUpgrade(nu: NodeUpgrade) { return this.count('createNodeUpgrade', this.custom.createClusterCustomObject({ ...co, plural: NODE_UPGRADES, body: nu }) as Promise<NodeUpgrade>); }
  replaceNodeUpgrade(nu: NodeUpgrade) { return this.count('replaceNodeUpgrade', this.custom.replaceClusterCustomObject({ ...co, plural: NODE_UPGRADES, name: nu.metadata.name, body: nu }) as Promise<NodeUpgrade>); }
  replaceNodeUpgradeStatus(nu: NodeUpgrade) { return this.count('replaceNodeUpgradeStatus', this.custom.replaceClusterCustomObjectStatus({ ...co, plural: NODE_UPGRADES, name: nu.metadata.name, body: nu }) as Promise<NodeUpgrade>); }
  getNode(name: string) { return orUndefined(this.count('getNode', this.core.readNode({ name }))); }
  async listNodes() { return (await this.count('listNodes', this.core.listNode())).items; }
  mergePatchNode(name: string, patch: object) { return this.count('mergePatchNode', this.core.patchNode({ name, body: patch, fieldManager: this.component }, merge)); }
  async listPodsOnNode(node: string) { return (await this.count('listPodsOnNode', this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }))).items; }
  async listPods(namespace: string, labelSelector: string, node: string) {
    return (await this.count('listPods', this.core.listNamespacedPod({ namespace, labelSelector, fieldSelector: `spec.nodeName=${node}` }))).items;
  }
  async evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<'evicted' | 'blocked' | 'gone'> {
    try {
      await this.count('evictPod', this.core.createNamespacedPodEviction({
        name, namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions: gracePeriodSeconds === undefined ? undefined : { gracePeriodSeconds } },
      }));
      return 'evicted';
    } catch (e) {
      if (statusOf(e) === 429) return 'blocked';
      if (isNotFound(e)) return 'gone';
      throw e;
    }
  }
  async deletePod(namespace: string, name: string, gracePeriodSeconds: number) {
    try { await this.count('deletePod', this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds })); } catch (e) { if (!isNotFound(e)) throw e; }
  }
  async listPdbs(namespace: string) { return (await this.count('listPdbs', this.policy.listNamespacedPodDisruptionBudget({ namespace }))).items; }
  async recordEvent(namespace: string, e: EventSpec) {
    const now = new Date();
    const apiVersion = e.kind === 'Node' ? 'v1' : `${GROUP}/${VERSION}`;
    await this.count('recordEvent', this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${e.name.slice(0, 200)}.` },
        involvedObject: { apiVersion, kind: e.kind, name: e.name, uid: e.uid },
        type: e.type, reason: e.reason, message: e.message.slice(0, 1024),
        source: { component: this.component }, firstTimestamp: now, lastTimestamp: now, count: 1,
        reportingComponent: this.component, reportingInstance: this.component,
      },
    }));
  }
  readLease(namespace: string, name: string) { return orUndefined(this.count('readLease', this.coord.readNamespacedLease({ namespace, name }))); }
  createLease(namespace: string, lease: V1Lease) { return this.count('createLease', this.coord.createNamespacedLease({ namespace, body: lease })); }
  replaceLease(namespace: string, lease: V1Lease) { return this.count('replaceLease', this.coord.replaceNamespacedLease({ namespace, name: lease.metadata?.name ?? '', body: lease })); }
  async serverVersion() { return (await this.count('serverVersion', this.version.getCode())).gitVersion; }
}
