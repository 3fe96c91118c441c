import type { Command } from 'commander';
import type { StatusFlags } from '../../pkg/commands/status.js';
import { ctx } from './context.js';
import { fileOption } from './cluster-flags.js';
import { DIR_RULE } from './help.js';

/** `nkd status [-f cluster.yaml | --dir DIR]`: nodes, versions, certificate expiry and provider resources. */
export function register(program: Command): void {
  fileOption(
    program
      .command('status')
      .description('show nodes, versions, certificate expiry and provider resources of a cluster directory'),
    'the cluster file: its directory is ./<metadata.name> (env NKD_CLUSTER_FILE)',
  )
    .addHelpText('after', `\n${DIR_RULE}\n\nExamples:\n  nkd status -f cluster.yaml\n  nkd status --dir ./demo\n  nkd --json status --dir ./demo`)
    .action(async (o: StatusFlags) => {
      const { statusCommand } = await import('../../pkg/commands/status.js');
      await statusCommand(ctx(), o);
    });
}
