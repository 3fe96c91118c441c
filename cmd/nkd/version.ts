import type { Command } from 'commander';
import { ctx } from './context.js';
import { NKD_VERSION } from '../../pkg/version.js';

/** `nkd version`: nkd's version and the Kubernetes versions it supports. */
export function register(program: Command): void {
  program
    .command('version')
    .description('print the nkd version and the supported Kubernetes versions')
    .action(async () => {
      const { supportedKubernetesMinors } = await import('../../pkg/config/versions.js');
      const info = { nkd: NKD_VERSION, node: process.version, kubernetes: supportedKubernetesMinors() };
      if (ctx().ui.json) ctx().ui.result(info);
      else ctx().ui.print(`nkd ${info.nkd} (node ${info.node}); Kubernetes ${info.kubernetes.join(', ')}`);
    });
}
