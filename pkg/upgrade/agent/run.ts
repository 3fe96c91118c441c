/**
 * The agent process loop: watch this node's NodeUpgrades and sync them one at a time
 * (events plus a slow resync, so a reboot is noticed even without a new event).
 */
import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { UpgradeApi } from '../kube/upgrade-api.js';
import type { NodeUpgrade } from '../api/types.js';
import { GROUP, Label, NODE_UPGRADES, VERSION } from '../api/vocabulary.js';
import { NodeAgent } from './agent.js';
import type { HostExecutor } from './executor.js';

/** A running agent loop. */
export interface RunningAgent { agent: NodeAgent; stop(): Promise<void> }

/** Starts the agent for `nodeName`; `log` receives one line per failure. */
export async function runAgent(kc: KubeConfig, api: UpgradeApi, exec: HostExecutor, nodeName: string, log: (m: string) => void = () => undefined, resyncMs = 30_000): Promise<RunningAgent> {
  const agent = new NodeAgent(api, exec, nodeName);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const selector = `${Label.node}=${nodeName.slice(0, 63)}`;
  const informer = makeInformer(kc, `/apis/${GROUP}/${VERSION}/${NODE_UPGRADES}`,
    () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: NODE_UPGRADES, labelSelector: selector }) as never, selector) as ReturnType<typeof makeInformer<KubernetesObject>> & { list(): ReadonlyArray<KubernetesObject> };
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  const syncAll = () => {
    chain = chain.then(async () => {
      if (stopped) return;
      for (const o of informer.list()) {
        try { await agent.sync(o as unknown as NodeUpgrade); } catch (e) { log(`sync ${o.metadata?.name}: ${(e as Error).message}`); }
      }
    });
  };
  await agent.reportNode().catch((e: Error) => log(`reporting the node: ${e.message}`));
  for (const v of ['add', 'update'] as const) informer.on(v, syncAll);
  informer.on('error', () => { if (!stopped) setTimeout(() => { if (!stopped) void informer.start().catch(() => undefined); }, 1000).unref(); });
  await informer.start();
  syncAll();
  const timer = setInterval(syncAll, resyncMs);
  return {
    agent,
    async stop() { stopped = true; clearInterval(timer); await informer.stop(); await chain; },
  };
}
