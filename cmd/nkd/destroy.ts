import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd destroy [--dir DIR] [-f cluster.yaml]`: deletes from the journal and sweeps by tag. */
export function register(program: Command): void {
  program
    .command('destroy')
    .description('delete every resource of the cluster (journal, then a sweep by cluster tag) and report what remains')
    .option('-f, --file <cluster.yaml>', 'the cluster file: lets destroy sweep by tag when the journal is lost')
    .action(async (o: { file?: string }) => {
      const { destroyCommand } = await import('../../pkg/lifecycle/commands.js');
      await destroyCommand(ctx(), o);
    });
}
