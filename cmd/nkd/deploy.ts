import type { Command } from 'commander';
import { ctx } from './context.js';
import { clusterFileOptions } from './cluster-flags.js';

/** `nkd deploy -f cluster.yaml [--dry-run]`: render, provision, wait, apply; resumable. */
export function register(program: Command): void {
  clusterFileOptions(
    program
      .command('deploy')
      .description('render, create the hosts, wait for the cluster, apply CNI, hooks and operator (re-run to resume)')
      .option('--dry-run', 'print the plan and stop (with --json: the plan as JSON)')
      .option('--api-timeout <minutes>', 'how long to wait for the API server (default 20)')
      .option('--nodes-timeout <minutes>', 'how long to wait for every node to be Ready (default 30)'),
  ).action(async (o: Record<string, unknown> & { file: string; dryRun?: boolean }) => {
    const { deployCommand } = await import('../../pkg/lifecycle/commands.js');
    await deployCommand(ctx(), 'deploy', o);
  });
}
