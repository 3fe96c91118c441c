import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd status [--dir DIR]`: nodes, versions, certificate expiry and provider resources. */
export function register(program: Command): void {
  program
    .command('status')
    .description('show nodes, versions, certificate expiry and provider resources of a cluster directory (--dir)')
    .action(async () => {
      const { statusCommand } = await import('../../pkg/lifecycle/commands.js');
      await statusCommand(ctx());
    });
}
