#!/usr/bin/env node
/** The upgrade operator's entry point: parse flags and env, refuse bad values, run until SIGTERM. */
import { NkdError } from '../../pkg/ui/errors.js';
import { inClusterKubeconfig } from '../../pkg/kube/kubeconfig.js';
import { ClientNodeApi } from '../../pkg/upgrade/kube/upgrade-api.js';
import { Metrics } from '../../pkg/upgrade/operator/metrics.js';
import { parseOperatorConfig } from '../../pkg/upgrade/operator/operator-config.js';
import { runOperator } from '../../pkg/upgrade/operator/operator.js';

const log = (m: string) => console.error(`${new Date().toISOString()} ${m}`);

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseOperatorConfig(process.argv.slice(2), process.env);
  } catch (e) {
    const err = e as NkdError;
    console.error(`nkd-upgrade-operator: refusing to start: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`);
    process.exit(err instanceof NkdError ? err.code : 2);
  }
  let stopping = false;
  const kc = inClusterKubeconfig(cfg.kubeconfig);
  const op = await runOperator(cfg, {
    kubeConfig: kc, api: new ClientNodeApi(kc), metrics: new Metrics(), log,
    onLeading: (leading) => { if (!leading && !stopping) { log('lost the Lease: exiting so a fresh process competes again'); process.exit(1); } },
  });
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    await op.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  log(`started as ${cfg.identity} in ${cfg.namespace}; metrics on :${op.port}`);
}

main().catch((e: unknown) => {
  log(`fatal: ${(e as Error).message}`);
  process.exit(1);
});
