/**
 * The operator process: the HTTP endpoints (/healthz, /readyz, /metrics), Lease leader
 * election, and the controller that runs only while this replica leads.
 */
import { createServer, type Server } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { UpgradeController } from './controller.js';
import type { UpgradeApi } from '../kube/upgrade-api.js';
import { LeaderElector } from './leader.js';
import type { Metrics } from './metrics.js';
import type { OperatorConfig } from './operator-config.js';
import { LEASE_NAME } from '../api/vocabulary.js';

/** What the composition root (cmd/operator) gives the operator. */
export interface OperatorDeps {
  /** The kubeconfig the controller's informers watch with. */
  kubeConfig: KubeConfig;
  /** The client of every other request (its count is nkd_upgrade_api_requests). */
  api: UpgradeApi;
  /** The registry /metrics serves. */
  metrics: Metrics;
  /** Receives one line per notable event. */
  log?: (m: string) => void;
  /** Called when this replica starts or stops leading. */
  onLeading?: (leading: boolean) => void;
}

/** A running operator. */
export interface RunningOperator {
  readonly isLeader: boolean;
  /** What /readyz answers: a standby is ready (it can take over), a leader once its caches listed. */
  readonly ready: boolean;
  /** The bound metrics port (useful with port 0). */
  readonly port: number;
  /** Stops leading (releasing the Lease unless `crash`), the controller and the server. */
  stop(crash?: boolean): Promise<void>;
}

/** Starts the operator. */
export async function runOperator(cfg: OperatorConfig, deps: OperatorDeps): Promise<RunningOperator> {
  const { kubeConfig: kc, api, metrics } = deps;
  const log = deps.log ?? (() => undefined);
  let controller: UpgradeController | undefined;
  let starting: Promise<void> | undefined;

  const elector = new LeaderElector(api, {
    namespace: cfg.namespace, name: LEASE_NAME, identity: cfg.identity,
    leaseDurationSeconds: cfg.leaseDurationSeconds, renewDeadlineSeconds: cfg.renewDeadlineSeconds, retryPeriodSeconds: cfg.retryPeriodSeconds,
  }, {
    onStartedLeading: async () => {
      log(`${cfg.identity}: leading`);
      metrics.setGauge('nkd_upgrade_leader', {}, 1);
      deps.onLeading?.(true);
      controller = new UpgradeController(kc, api, metrics, { workers: cfg.workers, upgradeLabelSelector: cfg.upgradeLabelSelector, nodeLabelSelector: cfg.nodeLabelSelector, log });
      starting = controller.start();
      await starting;
    },
    onStoppedLeading: async () => {
      log(`${cfg.identity}: stopped leading`);
      metrics.setGauge('nkd_upgrade_leader', {}, 0);
      const c = controller;
      controller = undefined;
      await starting?.catch(() => undefined);
      await c?.stop();
      deps.onLeading?.(false);
    },
  });

  const ready = () => !elector.isLeader || !!controller?.ready;
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') { res.writeHead(200).end('ok\n'); return; }
    if (req.url === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503).end(ok ? 'ok\n' : 'caches not synced\n');
      return;
    }
    if (req.url === '/metrics') {
      metrics.setGauge('nkd_upgrade_api_requests', {}, api.requests);
      const mem = process.memoryUsage();
      metrics.setGauge('process_resident_memory_bytes', {}, mem.rss);
      metrics.setGauge('nodejs_heap_size_used_bytes', {}, mem.heapUsed);
      metrics.setGauge('nodejs_heap_size_total_bytes', {}, mem.heapTotal);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(cfg.metricsPort, cfg.metricsHost, resolve); });
  const addr = server.address();
  elector.start();

  return {
    get isLeader() { return elector.isLeader; },
    get ready() { return ready(); },
    port: typeof addr === 'object' && addr ? addr.port : cfg.metricsPort,
    async stop(crash = false) {
      await elector.stop(!crash);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
