/**
 * Operator start-up configuration: flags > environment > defaults, parsed once into a
 * validated object. Bad values refuse the start with a message naming the flag and the fix.
 */
import { hostname } from 'node:os';
import { usageError } from '../../ui/errors.js';
import { DEFAULT_NAMESPACE } from '../api/vocabulary.js';

/** The validated configuration of one operator process. */
export interface OperatorConfig {
  kubeconfig?: string;
  namespace: string;
  identity: string;
  metricsHost: string;
  metricsPort: number;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  workers: number;
  upgradeLabelSelector?: string;
  /** Only Nodes with these labels are seen (a partitioned cluster, or tests sharing an API server). */
  nodeLabelSelector?: string;
}

const FLAGS: Record<string, { env: string; key: keyof OperatorConfig | 'metricsAddress' }> = {
  '--kubeconfig': { env: 'KUBECONFIG', key: 'kubeconfig' },
  '--namespace': { env: 'POD_NAMESPACE', key: 'namespace' },
  '--identity': { env: 'POD_NAME', key: 'identity' },
  '--metrics-address': { env: 'NKD_OPERATOR_METRICS_ADDRESS', key: 'metricsAddress' },
  '--lease-duration': { env: 'NKD_OPERATOR_LEASE_DURATION', key: 'leaseDurationSeconds' },
  '--renew-deadline': { env: 'NKD_OPERATOR_RENEW_DEADLINE', key: 'renewDeadlineSeconds' },
  '--retry-period': { env: 'NKD_OPERATOR_RETRY_PERIOD', key: 'retryPeriodSeconds' },
  '--workers': { env: 'NKD_OPERATOR_WORKERS', key: 'workers' },
  '--upgrade-selector': { env: 'NKD_OPERATOR_UPGRADE_SELECTOR', key: 'upgradeLabelSelector' },
  '--node-selector': { env: 'NKD_OPERATOR_NODE_SELECTOR', key: 'nodeLabelSelector' },
};

function seconds(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(v);
  if (!m || Number(m[1]) <= 0) throw usageError(`${flag}: invalid value "${v}": expected a positive number of seconds like 15 or 15s`);
  return Number(m[1]);
}

/** Parses argv (after the script) and env into an OperatorConfig, or throws a usage error. */
export function parseOperatorConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const raw: Record<string, string> = {};
  for (const [flag, { env: e, key }] of Object.entries(FLAGS)) { const v = env[e]; if (v !== undefined && v !== '' && key !== 'kubeconfig') raw[flag] = v; }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') throw usageError(`usage: operator ${Object.keys(FLAGS).map((f) => `[${f}=…]`).join(' ')}`);
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (!(flag in FLAGS)) throw usageError(`unknown flag ${flag}`, `valid flags: ${Object.keys(FLAGS).join(', ')}`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw usageError(`${flag} needs a value`);
    raw[flag] = v;
  }
  const addr = raw['--metrics-address'] ?? ':8080';
  const am = /^(.*):(\d{1,5})$/.exec(addr);
  if (!am || Number(am[2]) > 65535) throw usageError(`--metrics-address: invalid value "${addr}": expected [host]:port like :8080`);
  const workers = Number(raw['--workers'] ?? '4');
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw usageError(`--workers: invalid value "${raw['--workers']}": expected an integer from 1 to 64`);
  const cfg: OperatorConfig = {
    kubeconfig: raw['--kubeconfig'],
    namespace: raw['--namespace'] ?? DEFAULT_NAMESPACE,
    identity: raw['--identity'] ?? hostname(),
    metricsHost: am[1] || '0.0.0.0',
    metricsPort: Number(am[2]),
    leaseDurationSeconds: seconds('--lease-duration', raw['--lease-duration'] ?? '15'),
    renewDeadlineSeconds: seconds('--renew-deadline', raw['--renew-deadline'] ?? '10'),
    retryPeriodSeconds: seconds('--retry-period', raw['--retry-period'] ?? '2'),
    workers,
    upgradeLabelSelector: raw['--upgrade-selector'],
    nodeLabelSelector: raw['--node-selector'],
  };
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(cfg.namespace)) throw usageError(`--namespace: invalid value "${cfg.namespace}": expected a DNS label (or set POD_NAMESPACE)`);
  if (!(cfg.retryPeriodSeconds < cfg.renewDeadlineSeconds && cfg.renewDeadlineSeconds < cfg.leaseDurationSeconds)) {
    throw usageError(`--retry-period (${cfg.retryPeriodSeconds}s) < --renew-deadline (${cfg.renewDeadlineSeconds}s) < --lease-duration (${cfg.leaseDurationSeconds}s) must hold`, 'shorten the renew deadline or lengthen the lease so two replicas never act at once');
  }
  return cfg;
}
