import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClusterConfig } from '../config/types.gen.js';
import type { Journal } from '../infra/journal.js';
import type { DesiredCluster, Plan, Provider } from '../infra/types.js';
import type { Ui } from '../ui/output.js';
import { desiredNodeFields } from './desired.js';
import { formatPlan } from './plan-output.js';
import { ClusterDir } from '../cluster-dir.js';

async function sha512Of(file: string): Promise<string> {
  try {
    return createHash('sha512').update(await readFile(file)).digest('hex');
  } catch {
    return '';
  }
}

/**
 * The desired cluster without rendering: each node's Ignition path in the cluster directory
 * and the hash of the config already there (none when the directory was never rendered).
 */
async function desiredWithoutRender(config: ClusterConfig, dir: string): Promise<DesiredCluster<object>> {
  return {
    clusterId: config.metadata.name,
    nodes: await Promise.all(
      config.spec.nodes.map(async (n) => {
        const ignitionPath = new ClusterDir(dir).nodeIgnition(n.name);
        return { ...desiredNodeFields(config, n), ignitionPath, ignitionSha512: await sha512Of(ignitionPath) };
      }),
    ),
  };
}

/**
 * `deploy --dry-run`: the plan, and nothing written (no render, no journal, no log folder).
 * When the platform does not answer, an offline plan says what would be created, labelled as
 * not checked against the platform.
 */
export async function dryRunPlan(opts: { config: ClusterConfig; dir: string; ui: Ui; provider: Provider<object>; journal: Journal }): Promise<Plan<object>> {
  const { config, dir, ui, provider, journal } = opts;
  const desired = await desiredWithoutRender(config, dir);
  let unreachable: string | undefined;
  try {
    await provider.preflight('connect');
  } catch (e) {
    if (!provider.offlinePlan) throw e;
    unreachable = e instanceof Error ? e.message : String(e);
  }
  const plan: Plan<object> = unreachable === undefined || !provider.offlinePlan
    ? await provider.plan(desired, journal)
    : { ...provider.offlinePlan(desired), offline: unreachable };
  if (!ui.json) {
    ui.info(`dry run: would render ${dir} (PKI, kubeconfigs, ${config.spec.nodes.length} Ignition ${config.spec.nodes.length === 1 ? 'config' : 'configs'}); nothing is written`);
    if (plan.offline) ui.warn(`offline plan, not checked against the platform: ${plan.offline}; every resource is shown as "create"`);
    ui.print(formatPlan(plan));
  }
  for (const w of plan.warnings) ui.warn(w);
  ui.info('dry run: nothing was created or written (remove --dry-run to apply this plan)');
  return plan;
}
