import type { Command } from 'commander';
import type { RenderFlags } from '../../pkg/commands/render.js';
import { ctx } from './context.js';
import { clusterFileOptions } from './cluster-flags.js';
import { DIR_RULE } from './help.js';

/** `nkd render -f cluster.yaml [--dir D]`: the whole cluster directory, no infrastructure. */
export function register(program: Command): void {
  clusterFileOptions(
    program
      .command('render')
      .description('write the cluster directory: PKI, kubeconfigs, kubeadm files and one Ignition config per node (no infrastructure)')
      .option('--rotate-bootstrap-token', 'replace the join token even if the directory has one')
      .addHelpText('after', `\n${DIR_RULE} Re-running reuses its CAs, keys and token.\nThe directory holds private keys: commit only what its .gitignore lets through.\n\nExamples:\n  nkd render -f cluster.yaml              # writes ./<metadata.name>\n  nkd render -f cluster.yaml --dir ./demo`),
  ).action(async (o: RenderFlags) => {
    const { renderCommand } = await import('../../pkg/commands/render.js');
    await renderCommand(ctx(), o);
  });
}
