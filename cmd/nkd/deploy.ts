import type { Command } from 'commander';
import type { DeployFlags } from '../../pkg/commands/deploy.js';
import { ctx } from './context.js';
import { clusterFileOptions, waitOptions } from './cluster-flags.js';
import { DIR_RULE } from './help.js';

/** `nkd deploy -f cluster.yaml [--dry-run]`: render, provision, wait, apply; resumable. */
export function register(program: Command): void {
  clusterFileOptions(
    waitOptions(program
      .command('deploy')
      .description('render, create the hosts, wait for the cluster, apply CNI, hooks and operator (re-run to resume)')
      .option('--dry-run', 'print the plan and stop, writing nothing; offline plan when the platform is down (with --json: the plan as JSON)')
      .addHelpText('after', `\n${DIR_RULE}\n\nExamples:\n  nkd deploy -f cluster.yaml --dry-run     # the plan; nothing is created or written\n  nkd deploy -f cluster.yaml               # writes ./<metadata.name>, creates the hosts\n  nkd deploy -f cluster.yaml --dir ./demo  # resume an interrupted deploy: run it again`)),
  ).action(async (o: DeployFlags) => {
    const { deployCommand } = await import('../../pkg/commands/deploy.js');
    await deployCommand(ctx(), 'deploy', o);
  });
}
