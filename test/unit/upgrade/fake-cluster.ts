/**
 * An in-memory fake of the UpgradeApi calls the operator's node steps make (Nodes with JSON
 * merge patches guarded by resourceVersion, NodeUpgrades, no pods), for the property test that
 * drives the real planner and node steps. It records who flipped each Node's cordon: the
 * operator (through this API) or the admin (through the test). Unit tests only.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { UpgradeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import type { NodeUpgrade } from '../../../pkg/upgrade/api/types.js';
import { Annotation, Label, OPERATOR_NAME } from '../../../pkg/upgrade/api/vocabulary.js';

/** Who set or lifted a cordon. */
export type Actor = 'operator' | 'admin';
/** One change of Node.spec.unschedulable. */
export interface CordonFlip { node: string; by: Actor; to: boolean }

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergePatch(out[k], v);
  }
  return out;
}

const conflict = () => Object.assign(new Error('conflict'), { code: 409 });

/** The fake cluster. */
export class FakeCluster {
  readonly nodes = new Map<string, V1Node>();
  readonly records = new Map<string, NodeUpgrade>();
  readonly flips: CordonFlip[] = [];
  private rv = 1;
  requests = 0;

  private stamp<T extends { metadata?: object }>(o: T): T {
    return { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
  }

  /** Adds a Ready, schedulable node. */
  addNode(name: string, labels: Record<string, string>, kubeletVersion: string, bootedImage: string): void {
    this.nodes.set(name, this.stamp({
      metadata: { name, labels, annotations: { [Annotation.bootedImage]: bootedImage } },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion } as never },
    }));
  }

  /** Changes a node as its kubelet, agent or an admin would (not through the operator's API). */
  edit(name: string, patch: object, by: Actor = 'admin'): void {
    const cur = this.nodes.get(name) as V1Node;
    const next = this.stamp(mergePatch(cur, patch) as V1Node);
    if (!!cur.spec?.unschedulable !== !!next.spec?.unschedulable) {
      this.flips.push({ node: name, by, to: !!next.spec?.unschedulable });
      // as the API server's field ownership does: the manager that changed the field owns it
      const manager = by === 'operator' ? OPERATOR_NAME : 'kubectl-cordon';
      next.metadata = { ...next.metadata, managedFields: next.spec?.unschedulable ? [{ manager, operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:unschedulable': {} } } }] : [] };
    }
    this.nodes.set(name, next);
  }

  /** A copy of a node. */
  node(name: string): V1Node | undefined { const n = this.nodes.get(name); return n && structuredClone(n); }

  /** The API the operator's code gets. */
  api(): UpgradeApi {
    const count = () => { this.requests += 1; };
    const api: Partial<UpgradeApi> = {
      mergePatchNode: async (name: string, patch: object) => {
        count();
        const cur = this.nodes.get(name);
        if (!cur) throw Object.assign(new Error('not found'), { code: 404 });
        const want = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
        if (want && want !== cur.metadata?.resourceVersion) throw conflict();
        const clean = structuredClone(patch) as { metadata?: Record<string, unknown> };
        delete clean.metadata?.resourceVersion;
        this.edit(name, clean, 'operator');
        return structuredClone(this.nodes.get(name) as V1Node);
      },
      getNode: async (name: string) => { count(); return this.node(name); },
      createNodeUpgrade: async (nu: NodeUpgrade) => {
        count();
        if (this.records.has(nu.metadata.name)) throw conflict();
        const out = this.stamp(structuredClone(nu));
        this.records.set(nu.metadata.name, out);
        return structuredClone(out);
      },
      replaceNodeUpgrade: async (nu: NodeUpgrade) => { return this.replace(nu, 'spec'); },
      replaceNodeUpgradeStatus: async (nu: NodeUpgrade) => { return this.replace(nu, 'status'); },
      listPodsOnNode: async () => { count(); return []; },
      listPods: async () => { count(); return []; },
      listPdbs: async () => { count(); return []; },
      recordEvent: async () => { count(); },
    };
    return api as UpgradeApi;
  }

  private async replace(nu: NodeUpgrade, part: 'spec' | 'status'): Promise<NodeUpgrade> {
    this.requests += 1;
    const cur = this.records.get(nu.metadata.name);
    if (!cur) throw Object.assign(new Error('not found'), { code: 404 });
    if (cur.metadata.resourceVersion !== nu.metadata.resourceVersion) throw conflict();
    const out = this.stamp(structuredClone({ ...cur, [part]: nu[part] }));
    this.records.set(nu.metadata.name, out);
    return structuredClone(out);
  }

  /** Plays the agent: the host work of a record is done (or failed), and the node reports the new versions. */
  finishHostWork(recordName: string, ok: boolean, image: string, kubeletVersion: string | undefined): void {
    const r = this.records.get(recordName) as NodeUpgrade;
    const host = { phase: ok ? 'Done' : 'Failed', attempt: r.spec.attempt ?? 1, message: ok ? undefined : 'simulated host failure' } as NonNullable<NonNullable<NodeUpgrade['status']>['host']>;
    this.records.set(recordName, this.stamp({ ...r, status: { ...r.status, host } }));
    if (ok) {
      const n = this.nodes.get(r.spec.nodeName) as V1Node;
      this.edit(r.spec.nodeName, {
        metadata: { annotations: { [Annotation.bootedImage]: image } },
        status: { nodeInfo: { ...n.status?.nodeInfo, kubeletVersion: kubeletVersion ?? n.status?.nodeInfo?.kubeletVersion } },
      }, 'admin');
    }
  }

  /** Control-plane node names. */
  controlPlane(): string[] { return [...this.nodes.values()].filter((n) => Label.controlPlane in (n.metadata?.labels ?? {})).map((n) => n.metadata?.name as string); }
}
