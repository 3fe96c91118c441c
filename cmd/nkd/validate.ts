import type { Command } from 'commander';
import type { ClusterFileFlags } from '../../pkg/commands/context.js';
import { ctx } from './context.js';
import { clusterFileOptions } from './cluster-flags.js';

/** `nkd validate -f cluster.yaml`: every problem at once, or a one-line summary. */
export function register(program: Command): void {
  clusterFileOptions(
    program
      .command('validate')
      .description('check a cluster file: print every problem with its field and fix, or a summary')
      .addHelpText('after', '\nvalidate refuses whatever render and deploy would refuse, and writes nothing.\n\nExamples:\n  nkd validate -f cluster.yaml\n  NKD_KUBERNETES_VERSION=1.36.5 nkd validate -f cluster.yaml'),
  ).action(async (o: ClusterFileFlags) => {
    const { validateCommand } = await import('../../pkg/commands/validate.js');
    await validateCommand(ctx(), o);
  });
}
