import type { Command } from 'commander';
import type { DeployFlags } from '../../pkg/commands/deploy.js';
import { ctx } from './context.js';
import { clusterFileOptions } from './cluster-flags.js';
import { DEFAULT_WAIT_MINUTES, DIR_RULE } from './help.js';

/** `nkd extend -f cluster.yaml`: creates the nodes added to the file, with a fresh join token. */
export function register(program: Command): void {
  clusterFileOptions(
    program
      .command('extend')
      .description('add the nodes added to the cluster file (fresh bootstrap token; existing nodes untouched)')
      .option('--dry-run', 'print the plan and stop, writing nothing')
      .option('--api-timeout <minutes>', 'how long to wait for the API server', String(DEFAULT_WAIT_MINUTES.api))
      .option('--nodes-timeout <minutes>', 'how long to wait for every node to be Ready', String(DEFAULT_WAIT_MINUTES.nodes))
      .addHelpText('after', `\n${DIR_RULE}\n\nExamples:\n  # add a worker to spec.nodes in cluster.yaml, then:\n  nkd extend -f cluster.yaml --dry-run\n  nkd extend -f cluster.yaml`),
  ).action(async (o: DeployFlags) => {
    const { deployCommand } = await import('../../pkg/commands/deploy.js');
    await deployCommand(ctx(), 'extend', o);
  });
}
