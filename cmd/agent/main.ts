#!/usr/bin/env node
/** The node agent's entry point (DaemonSet): needs NODE_NAME; runs host commands through nsenter. */
import { NsenterExecutor } from '../../pkg/upgrade/agent/executor.js';
import { runAgent } from '../../pkg/upgrade/agent/run.js';
import { ClientNodeApi } from '../../pkg/upgrade/kube/upgrade-api.js';
import { inClusterKubeconfig } from '../../pkg/kube/kubeconfig.js';
import { AGENT_NAME } from '../../pkg/upgrade/api/vocabulary.js';

const log = (m: string) => console.error(`${new Date().toISOString()} ${m}`);

async function main(): Promise<void> {
  const nodeName = process.env.NODE_NAME;
  if (!nodeName) {
    console.error('nkd-upgrade-agent: refusing to start: NODE_NAME is not set (set it from the downward API: fieldRef spec.nodeName)');
    process.exit(2);
  }
  const kc = inClusterKubeconfig(process.env.KUBECONFIG || undefined);
  const a = await runAgent(kc, new ClientNodeApi(kc, AGENT_NAME), new NsenterExecutor(), nodeName, log);
  const stop = async () => { await a.stop(); process.exit(0); };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  log(`agent started on ${nodeName}`);
}

main().catch((e: unknown) => { log(`fatal: ${(e as Error).message}`); process.exit(1); });
