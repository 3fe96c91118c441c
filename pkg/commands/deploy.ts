import { checkWritableDir, clusterDir } from '../lifecycle/cluster-dir.js';
import { deploy, type DeployResult } from '../lifecycle/deploy.js';
import { loadClusterFile, minutes, type ClusterFileFlags, type CommandContext } from './context.js';

/** The flags of `nkd deploy` and `nkd extend`, as parsed. */
export type DeployFlags = ClusterFileFlags & { dryRun?: boolean; apiTimeout?: unknown; nodesTimeout?: unknown };

/** `nkd deploy` and `nkd extend`: loads the file, resolves the directory, runs the phases. */
export async function deployCommand(c: CommandContext, mode: 'deploy' | 'extend', o: DeployFlags): Promise<DeployResult> {
  const timeouts = { apiMs: minutes('api-timeout', o.apiTimeout), nodesMs: minutes('nodes-timeout', o.nodesTimeout) };
  const { config, baseDir } = await loadClusterFile(c, o.file, o);
  const dir = clusterDir(mode, c.dir, config.metadata.name);
  c.ui.log.useClusterDir(dir);
  if (!o.dryRun) await checkWritableDir(dir, c.dir ?? config.metadata.name);
  const result = await deploy({ config, dir, baseDir, ui: c.ui, signal: c.signal, dryRun: !!o.dryRun, mode, timeouts });
  if (c.ui.json) c.ui.result({ ...result, plan: { ...result.plan, desired: undefined } });
  return result;
}
