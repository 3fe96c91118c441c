/** An in-memory fake of the few UpgradeApi calls the agent makes (unit tests only). */
import type { UpgradeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import type { NodeUpgrade } from '../../../pkg/upgrade/api/types.js';

/** A fake API holding NodeUpgrades and Node annotation patches; resourceVersions are checked. */
export function fakeAgentApi(): UpgradeApi & { nodeUpgrades: Map<string, NodeUpgrade>; nodePatches: object[]; conflictsToInject: number } {
  const nodeUpgrades = new Map<string, NodeUpgrade>();
  const nodePatches: object[] = [];
  let rv = 1;
  const api = {
    requests: 0,
    nodeUpgrades, nodePatches, conflictsToInject: 0,
    async getNodeUpgrade(name: string) { return structuredClone(nodeUpgrades.get(name)); },
    async replaceNodeUpgradeStatus(nu: NodeUpgrade) {
      const cur = nodeUpgrades.get(nu.metadata.name);
      if (!cur) throw Object.assign(new Error('not found'), { code: 404 });
      if (api.conflictsToInject > 0 || cur.metadata.resourceVersion !== nu.metadata.resourceVersion) {
        if (api.conflictsToInject > 0) { api.conflictsToInject -= 1; cur.metadata.resourceVersion = String(++rv); }
        throw Object.assign(new Error('conflict'), { code: 409 });
      }
      const next = structuredClone({ ...cur, status: nu.status, metadata: { ...cur.metadata, resourceVersion: String(++rv) } });
      nodeUpgrades.set(nu.metadata.name, next);
      return structuredClone(next);
    },
    async mergePatchNode(_name: string, patch: object) { nodePatches.push(patch); return {}; },
  };
  return api as unknown as UpgradeApi & { nodeUpgrades: Map<string, NodeUpgrade>; nodePatches: object[]; conflictsToInject: number };
}
