/**
 * The operator process: the HTTP endpoints (/healthz, /readyz, /metrics), Lease leader
 * election, and the controller that runs only while this replica leads.
 */
import { createServer, type Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { UpgradeController } from './controller.js';
import { ClientNodeApi, type UpgradeApi } from '../kube/upgrade-api.js';
import { LeaderElector } from './leader.js';
import { Metrics } from './metrics.js';
import type { OperatorConfig } from './operator-config.js';
import { LEASE_NAME } from '../api/vocabulary.js';

/** A running operator. */
export interface RunningOperator {
  readonly isLeader: boolean;
  readonly api: UpgradeApi;
  readonly metrics: Metrics;
  /** The bound metrics port (useful with port 0). */
  readonly port: number;
  /** The controller while leading (tests wait on it). */
  controller(): UpgradeController | undefined;
  /** Stops leading (releasing the Lease unless `crash`), the controller and the server. */
  stop(crash?: boolean): Promise<void>;
}

/** Callbacks into a running operator. */
export interface OperatorHooks {
  /** Called when this replica starts or stops leading. */
  onLeading?: (leading: boolean) => void;
  /** Wraps the API client (tests inject crashes between writes with it). */
  wrapApi?: (api: UpgradeApi) => UpgradeApi;
}

/** Loads the kubeconfig: a file when given, else in-cluster, else the default locations. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** Starts the operator. `log` receives one line per notable event. */
export async function runOperator(cfg: OperatorConfig, log: (m: string) => void = () => undefined, hooks: OperatorHooks = {}): Promise<RunningOperator> {
  const kc = loadKubeConfig(cfg.kubeconfig);
  const api = hooks.wrapApi ? hooks.wrapApi(new ClientNodeApi(kc)) : new ClientNodeApi(kc);
  const metrics = new Metrics();
  let controller: UpgradeController | undefined;
  let starting: Promise<void> | undefined;

  const elector = new LeaderElector(api, {
    namespace: cfg.namespace, name: LEASE_NAME, identity: cfg.identity,
    leaseDurationSeconds: cfg.leaseDurationSeconds, renewDeadlineSeconds: cfg.renewDeadlineSeconds, retryPeriodSeconds: cfg.retryPeriodSeconds,
  }, {
    onStartedLeading: async () => {
      log(`${cfg.identity}: leading`);
      metrics.setGauge('nkd_upgrade_leader', {}, 1);
      hooks.onLeading?.(true);
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
      hooks.onLeading?.(false);
    },
  });

  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') { res.writeHead(200).end('ok\n'); return; }
    if (req.url === '/readyz') {
      // A standby is ready (it can take over); a leader is ready once its caches synced.
      const ok = !elector.isLeader || !!controller?.ready;
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
    api, metrics,
    port: typeof addr === 'object' && addr ? addr.port : cfg.metricsPort,
    controller: () => controller,
    async stop(crash = false) {
      await elector.stop(!crash);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
