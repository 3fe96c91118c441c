import { Option, type Command } from 'commander';
import type { TemplateFlags } from '../../pkg/commands/template.js';
import { ctx } from './context.js';
import { allPlatforms } from '../../pkg/infra/registry.js';
import { usageError } from '../../pkg/ui/errors.js';

function count(flag: string) {
  return (v: string): number => {
    if (!/^[0-9]+$/.test(v)) throw usageError(`${flag}: invalid value "${v}"`, 'use a whole number');
    return Number(v);
  };
}

/** `nkd template`: prints a complete, commented cluster file. */
export function register(program: Command): void {
  program
    .command('template')
    .description('print a complete, commented cluster file for a platform')
    .addOption(new Option('--platform <platform>', 'target platform').choices(allPlatforms().filter((p) => p.template).map((p) => p.name)).makeOptionMandatory())
    .option('--control-planes <n>', 'number of control-plane nodes', count('--control-planes'), 1)
    .option('--workers <n>', 'number of worker nodes', count('--workers'), 1)
    .option('--name <name>', 'cluster name', 'demo')
    .addHelpText('after', '\nExample:\n  nkd template --platform libvirt --control-planes 3 --workers 2 > cluster.yaml')
    .action(async (o: TemplateFlags) => {
      const { templateCommand } = await import('../../pkg/commands/template.js');
      await templateCommand(ctx(), o);
    });
}
