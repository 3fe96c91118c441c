import type { Command } from 'commander';
import { ctx } from './context.js';
import { clusterFileOptions } from './cluster-flags.js';

/** `nkd extend -f cluster.yaml`: creates the nodes added to the file, with a fresh join token. */
export function register(program: Command): void {
  clusterFileOptions(
    program
      .command('extend')
      .description('add the nodes added to the cluster file (fresh bootstrap token; existing nodes untouched)')
      .option('--dry-run', 'print the plan and stop')
      .option('--api-timeout <minutes>', 'how long to wait for the API server (default 20)')
      .option('--nodes-timeout <minutes>', 'how long to wait for every node to be Ready (default 30)'),
  ).action(async (o: Record<string, unknown> & { file: string; dryRun?: boolean }) => {
    const { deployCommand } = await import('../../pkg/lifecycle/commands.js');
    await deployCommand(ctx(), 'extend', o);
  });
}
