import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd version`: nkd's version and the Kubernetes versions it supports. */
export function register(program: Command): void {
  program
    .command('version')
    .description('print the nkd version and the supported Kubernetes versions')
    .action(async () => {
      const { versionCommand } = await import('../../pkg/commands/version.js');
      await versionCommand(ctx());
    });
}
