/**
 * Simulated nodes on a real kube-apiserver: real Node objects, the real agent code on a fake
 * host per node, and a simulated kubelet that plays reboots (NotReady → new boot ID → Ready
 * with the versions of the booted image) and terminates evicted pods. Also watches the nodes
 * to record the most nodes ever unavailable at once.
 */
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, loadYaml, setHeaderOptions, type V1CustomResourceDefinition, type V1Node } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { runAgent, type RunningAgent } from '../../../pkg/upgrade/agent/run.js';
import { generateCrds } from '../../../pkg/upgrade/api/crd-gen.js';
import { ClientNodeApi, isConflict, isNotFound, type UpgradeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import { Metrics } from '../../../pkg/upgrade/operator/metrics.js';
import { runOperator, type RunningOperator } from '../../../pkg/upgrade/operator/operator.js';
import type { NodeUpgrade, Upgrade, UpgradeSpec } from '../../../pkg/upgrade/api/types.js';
import { API_VERSION, GROUP, Label, NODE_UPGRADES, UPGRADES, VERSION } from '../../../pkg/upgrade/api/vocabulary.js';
import { FakeHost } from './fake-host.js';

export const OLD_IMAGE = 'registry.example/nestos/nestos@sha256:' + 'b'.repeat(64);
export const NEW_IMAGE = 'registry.example/nestos/nestos@sha256:' + 'a'.repeat(64);
export const OLD_K8S = 'v1.36.4';
export const NEW_K8S = 'v1.37.1';
const kubeletOf = (image: string) => (image === NEW_IMAGE ? NEW_K8S : OLD_K8S);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Creates or updates the CRDs and waits until they are established. */
export async function installCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  // The committed YAML, loaded into client-node's typed model (its serializer drops unknown raw keys like x-kubernetes-*).
  const crds = Object.values(generateCrds()).map((y) => loadYaml<V1CustomResourceDefinition>(y));
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    try {
      await ext.createCustomResourceDefinition({ body: crd });
    } catch (e) {
      if (!isConflict(e)) throw e;
      const cur = await ext.readCustomResourceDefinition({ name });
      crd.metadata = { ...crd.metadata, resourceVersion: cur.metadata?.resourceVersion };
      await ext.replaceCustomResourceDefinition({ name, body: crd });
    }
  }
  for (const crd of crds) {
    for (let i = 0; i < 100; i++) {
      const c = await ext.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' });
      if (c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      await sleep(100);
    }
  }
  // the discovery of a new CRD takes a moment to reach the serving handler
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; i < 100; i++) {
    try { await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: NODE_UPGRADES, limit: 1 }); break; } catch { await sleep(100); }
  }
}

/** An operator replica of a SimCluster, with its API client and metrics registry. */
export type SimOperator = RunningOperator & { readonly api: ClientNodeApi; readonly metrics: Metrics };

/** Options of one simulated node. */
export interface SimNodeOptions { controlPlane?: boolean; labels?: Record<string, string> }

/** One simulated node: Node object + fake host + agent. */
export interface SimNode { name: string; host: FakeHost; agent?: RunningAgent; staysNotReadyAfterReboot?: boolean }

/** A set of simulated nodes sharing one test id (label nkd-test=<id>). */
export class SimCluster {
  readonly id = randomBytes(4).toString('hex');
  readonly nodes = new Map<string, SimNode>();
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly operators: RunningOperator[] = [];
  maxUnavailableSeen = 0;
  rebootMs = 300;
  private stopped = false;
  private timers: Promise<void>[] = [];
  private readonly agentApis: ClientNodeApi[] = [];

  constructor(readonly kc: KubeConfig, readonly kubeconfigPath: string) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** The label selector of this cluster's nodes. */
  get selector(): Record<string, string> { return { 'nkd-test': this.id }; }

  /** Creates a Ready node on the old versions and starts its agent. */
  async addNode(short: string, o: SimNodeOptions = {}): Promise<SimNode> {
    const name = `${this.id}-${short}`;
    const labels: Record<string, string> = { ...this.selector, 'kubernetes.io/hostname': name, ...(o.labels ?? {}) };
    if (o.controlPlane) labels[Label.controlPlane] = '';
    await this.core.createNode({ body: { metadata: { name, labels } } });
    const host = new FakeHost(name, OLD_IMAGE, OLD_K8S, kubeletOf);
    const sim: SimNode = { name, host };
    host.onReboot = () => { this.timers.push(this.playReboot(sim)); };
    this.nodes.set(name, sim);
    await this.setReady(name, true, OLD_K8S);
    sim.agent = await this.startAgent(sim);
    return sim;
  }

  private async startAgent(sim: SimNode): Promise<RunningAgent> {
    const api = new ClientNodeApi(this.kc, 'nkd-upgrade-agent');
    this.agentApis.push(api);
    return runAgent(this.kc, api, sim.host, sim.name, () => undefined, 1000);
  }

  /** Requests the agents (every start of every node's agent) made, by call name, and in all. */
  agentRequests(): { total: number; byCall: Map<string, number> } {
    const byCall = new Map<string, number>();
    for (const a of this.agentApis) for (const [k, v] of a.requestsByCall) byCall.set(k, (byCall.get(k) ?? 0) + v);
    return { total: this.agentApis.reduce((n, a) => n + a.requests, 0), byCall };
  }

  /** Stops a node's agent (as if its pod were gone). */
  async stopAgent(name: string): Promise<void> {
    const sim = this.nodes.get(name);
    await sim?.agent?.stop();
    if (sim) sim.agent = undefined;
  }

  /** Starts a node's agent again if it is not running. */
  async restartAgent(name: string): Promise<void> {
    const sim = this.nodes.get(name);
    if (sim && !sim.agent) sim.agent = await this.startAgent(sim);
  }

  /**
   * Plays other writers: every few milliseconds merge-patches an annotation onto the cluster's
   * Upgrades, NodeUpgrades and Nodes, so the operator's and agent's guarded writes meet stale
   * resourceVersions (409 Conflict). Returns how many patches landed so far.
   */
  startConflictStorm(everyMs = 25): () => number {
    let n = 0;
    const sel = `nkd-test=${this.id}`;
    const touch = { metadata: { annotations: { 'nkd-test/touched': '' } } };
    const loop = async () => {
      while (!this.stopped) {
        touch.metadata.annotations['nkd-test/touched'] = String(n);
        try {
          const ups = (await this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, labelSelector: sel })) as { items: Upgrade[] };
          for (const u of ups.items) {
            await this.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name: u.metadata.name, body: touch }, merge);
            n++;
            const recs = await this.records(u.metadata.name);
            for (const r of recs.values()) {
              await this.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: NODE_UPGRADES, name: r.metadata.name, body: touch }, merge).then(() => n++, () => undefined);
            }
          }
          for (const name of this.nodes.keys()) await this.core.patchNode({ name, body: touch }, merge).then(() => n++, () => undefined);
        } catch { /* the objects may come and go */ }
        await sleep(everyMs);
      }
    };
    this.timers.push(loop());
    return () => n;
  }

  /** Sets the Ready condition and kubelet version of a node. */
  async setReady(name: string, ready: boolean, kubeletVersion: string): Promise<void> {
    const now = new Date();
    await this.core.patchNodeStatus({
      name,
      body: {
        status: {
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: now, lastTransitionTime: now, message: 'simulated' }],
          nodeInfo: { kubeletVersion, kubeProxyVersion: '', machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.6', osImage: 'NestOS', containerRuntimeVersion: 'containerd://1.7', operatingSystem: 'linux', architecture: 'amd64' },
        },
      },
    }, merge);
  }

  private async playReboot(sim: SimNode): Promise<void> {
    await sleep(20);
    if (this.stopped) return;
    await sim.agent?.stop();
    sim.agent = undefined;
    await this.setReady(sim.name, false, sim.host.kubeletVersion).catch(() => undefined);
    await sleep(this.rebootMs);
    if (this.stopped) return;
    sim.host.completeReboot();
    if (!(await this.core.readNode({ name: sim.name }).catch(() => undefined))) return; // deleted meanwhile
    if (!sim.staysNotReadyAfterReboot) await this.setReady(sim.name, true, sim.host.kubeletVersion).catch(() => undefined);
    if (!this.stopped) sim.agent = await this.startAgent(sim);
  }

  /** Watches every node of the cluster and records the most unavailable at once; also terminates evicted pods. */
  async startObservers(): Promise<void> {
    const loop = async () => {
      while (!this.stopped) {
        try {
          const nodes = (await this.core.listNode({ labelSelector: `nkd-test=${this.id}` })).items;
          const unavailable = nodes.filter((n) => n.spec?.unschedulable || !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
          this.maxUnavailableSeen = Math.max(this.maxUnavailableSeen, unavailable);
          const pods = (await this.core.listPodForAllNamespaces({ labelSelector: `nkd-test=${this.id}` })).items;
          for (const p of pods.filter((x) => x.metadata?.deletionTimestamp)) {
            await this.core.deleteNamespacedPod({ name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? '', gracePeriodSeconds: 0 }).catch(() => undefined);
          }
        } catch { /* the API server may be busy */ }
        await sleep(50);
      }
    };
    this.timers.push(loop());
  }

  /**
   * Starts an operator replica watching only this cluster's Upgrades and Nodes. `wrapApi` wraps
   * its API client (a test injects crashes between writes with it); the replica's own client
   * (which counts its requests) and metrics registry come back with it.
   */
  async startOperator(identity: string, namespace: string, o: { lease?: [number, number, number]; wrapApi?: (api: UpgradeApi) => UpgradeApi } = {}): Promise<SimOperator> {
    const [lease, renew, retry] = o.lease ?? [3, 2, 0.3];
    const kc = kubeConfig(this.kubeconfigPath);
    const api = new ClientNodeApi(kc);
    const metrics = new Metrics();
    const op = await runOperator({
      kubeconfig: this.kubeconfigPath, namespace, identity, metricsHost: '127.0.0.1', metricsPort: 0,
      leaseDurationSeconds: lease, renewDeadlineSeconds: renew, retryPeriodSeconds: retry, workers: 4,
      upgradeLabelSelector: `nkd-test=${this.id}`, nodeLabelSelector: `nkd-test=${this.id}`,
    }, {
      kubeConfig: kc, api: o.wrapApi ? o.wrapApi(api) : api, metrics,
      log: process.env.NKD_TEST_OPERATOR_LOG ? (m) => console.error(m) : undefined,
    });
    this.operators.push(op);
    return Object.assign(op, { api, metrics });
  }

  /** Creates an Upgrade selecting this cluster's nodes. */
  async createUpgrade(name: string, spec: Partial<UpgradeSpec>): Promise<Upgrade> {
    const body: Upgrade = {
      apiVersion: API_VERSION, kind: 'Upgrade',
      metadata: { name: `${this.id}-${name}`, labels: this.selector },
      spec: { nodeSelector: { matchLabels: this.selector }, ...spec },
    };
    return (await this.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, body })) as Upgrade;
  }

  /** Reads an Upgrade. */
  async upgrade(name: string): Promise<Upgrade> {
    return (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name })) as Upgrade;
  }

  /** Merge-patches an Upgrade's spec. */
  async patchUpgrade(name: string, spec: Partial<UpgradeSpec>): Promise<void> {
    await this.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name, body: { spec } }, merge);
  }

  /** The NodeUpgrades of an Upgrade by node name. */
  async records(upgrade: string): Promise<Map<string, NodeUpgrade>> {
    const l = (await this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: NODE_UPGRADES, labelSelector: `${Label.upgrade}=${upgrade}` })) as { items: NodeUpgrade[] };
    return new Map(l.items.map((r) => [r.spec.nodeName, r]));
  }

  /** Reads a Node. */
  node(name: string): Promise<V1Node> { return this.core.readNode({ name }); }

  /** Polls until `check` returns a truthy value or the time runs out (then throws naming `what`). */
  async until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try { const v = await check(); if (v) return v; } catch (e) { last = e; }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
  }

  /** Waits until the Upgrade has a condition with the given status. */
  async untilCondition(name: string, type: string, status: 'True' | 'False', timeoutMs = 60_000, reason?: string): Promise<Upgrade> {
    return this.until(`${name}: ${type}=${status}${reason ? ` (${reason})` : ''}`, async () => {
      const u = await this.upgrade(name);
      const c = u.status?.conditions?.find((x) => x.type === type);
      return c?.status === status && (!reason || c.reason === reason) ? u : undefined;
    }, timeoutMs);
  }

  /** Stops operators, agents and observers, and deletes the cluster's objects. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const op of this.operators) await op.stop(true).catch(() => undefined);
    for (const n of this.nodes.values()) await n.agent?.stop().catch(() => undefined);
    await Promise.all(this.timers.map((t) => t.catch(() => undefined)));
    const sel = `nkd-test=${this.id}`;
    const ups = (await this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, labelSelector: sel }).catch(() => ({ items: [] }))) as { items: Upgrade[] };
    for (const u of ups.items) await this.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name: u.metadata.name }).catch(() => undefined);
    for (const n of this.nodes.keys()) await this.core.deleteNode({ name: n }).catch((e) => { if (!isNotFound(e)) throw e; });
  }
}

/** Loads a kubeconfig file. */
export function kubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
