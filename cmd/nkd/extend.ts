import type { Command } from 'commander';
import type { DeployFlags } from '../../pkg/commands/deploy.js';
import { ctx } from './context.js';
import { clusterFileOptions, waitOptions } from './cluster-flags.js';
import { DIR_RULE } from './help.js';

/** `nkd extend -f cluster.yaml`: creates the nodes added to the file, with a fresh join token. */
export function register(program: Command): void {
  clusterFileOptions(
    waitOptions(program
      .command('extend')
      .description('add the nodes added to the cluster file (fresh bootstrap token; existing nodes untouched)')
      .option('--dry-run', 'print the plan and stop, writing nothing')
      .addHelpText('after', `\n${DIR_RULE}\n\nExamples:\n  # add a worker to spec.nodes in cluster.yaml, then:\n  nkd extend -f cluster.yaml --dry-run\n  nkd extend -f cluster.yaml`)),
  ).action(async (o: DeployFlags) => {
    const { deployCommand } = await import('../../pkg/commands/deploy.js');
    await deployCommand(ctx(), 'extend', o);
  });
}
