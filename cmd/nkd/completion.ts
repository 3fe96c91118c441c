import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd completion bash|zsh`: a shell completion script built from the command tree. */
export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .addHelpText('after', '\nExample:\n  source <(nkd completion bash)')
    .action(async (shell: string) => {
      const { completionCommand } = await import('../../pkg/commands/completion.js');
      const commands = program.commands.map((c) => ({
        name: c.name(),
        options: c.options.map((o) => o.long).filter((x): x is string => !!x),
        subcommands: c.commands.map((s) => s.name()),
      }));
      const globals = program.options.map((o) => o.long).filter((x): x is string => !!x);
      await completionCommand(ctx(), shell, { commands, globals });
    });
}
