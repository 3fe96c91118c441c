import type { Command } from 'commander';
import type { DestroyFlags } from '../../pkg/commands/destroy.js';
import { ctx } from './context.js';
import { fileOption } from './cluster-flags.js';
import { DIR_RULE } from './help.js';

/** `nkd destroy [-f cluster.yaml | --dir DIR] [--yes] [--dry-run]`: deletes from the journal and sweeps by tag. */
export function register(program: Command): void {
  fileOption(
    program
      .command('destroy')
      .description('delete every resource of the cluster (journal, then a sweep by cluster tag) and report what remains'),
    'the cluster file: its directory is ./<metadata.name>; lets destroy sweep by tag when the journal is lost (env NKD_CLUSTER_FILE)',
  )
    .option('-y, --yes', 'delete without asking (needed when there is no terminal to ask on)')
    .option('--dry-run', 'list what would be deleted and stop (does not connect to the platform)')
    .addHelpText('after', `\n${DIR_RULE}\nOn a terminal destroy asks before deleting; scripts pass --yes.\n\nExamples:\n  nkd destroy --dir ./demo --dry-run\n  nkd destroy --dir ./demo\n  nkd destroy -f cluster.yaml --yes`)
    .action(async (o: DestroyFlags) => {
      const { destroyCommand } = await import('../../pkg/commands/destroy.js');
      await destroyCommand(ctx(), o);
    });
}
