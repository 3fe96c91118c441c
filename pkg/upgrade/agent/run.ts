/**
 * The agent process loop: watch this node's NodeUpgrades and sync them one at a time
 * (events plus a slow resync, so a reboot is noticed even without a new event).
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { startInformers, upgradeApiInformer } from '../kube/informer.js';
import type { UpgradeApi } from '../kube/upgrade-api.js';
import type { NodeUpgrade } from '../api/types.js';
import { Label, NODE_UPGRADES } from '../api/vocabulary.js';
import { NodeAgent } from './agent.js';
import type { HostExecutor } from './executor.js';

/** A running agent loop. */
export interface RunningAgent { agent: NodeAgent; stop(): Promise<void> }

/** Starts the agent for `nodeName`; `log` receives one line per failure. */
export async function runAgent(kc: KubeConfig, api: UpgradeApi, exec: HostExecutor, nodeName: string, log: (m: string) => void = () => undefined, resyncMs = 30_000): Promise<RunningAgent> {
  const agent = new NodeAgent(api, exec, nodeName);
  const informer = upgradeApiInformer<NodeUpgrade & KubernetesObject>(kc, NODE_UPGRADES, `${Label.node}=${nodeName.slice(0, 63)}`);
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  const syncAll = () => {
    chain = chain.then(async () => {
      if (stopped) return;
      for (const o of informer.list()) {
        try { await agent.sync(o); } catch (e) { log(`sync ${o.metadata.name}: ${(e as Error).message}`); }
      }
    });
  };
  await agent.reportNode().catch((e: Error) => log(`reporting the node: ${e.message}`));
  for (const v of ['add', 'update'] as const) informer.on(v, syncAll);
  await startInformers([informer], () => stopped);
  syncAll();
  const timer = setInterval(syncAll, resyncMs);
  return {
    agent,
    async stop() { stopped = true; clearInterval(timer); await informer.stop(); await chain; },
  };
}
