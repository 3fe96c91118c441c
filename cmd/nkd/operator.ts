import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd operator manifests`: print the upgrade operator's manifests (for GitOps). */
export function register(program: Command): void {
  const op = program.command('operator').description('the in-cluster upgrade operator');
  op
    .command('manifests')
    .description('print the operator manifests (namespace, CRDs, RBAC, Deployment, agent DaemonSet) as YAML')
    .requiredOption('--image <image>', 'the nkd image that runs the operator and the agent')
    .option('--namespace <ns>', 'namespace of the operator', 'nkd-system')
    .option('--replicas <n>', 'operator replicas', '2')
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ image: string; namespace: string; replicas: string }>();
      const replicas = Number(o.replicas);
      const { usageError } = await import('../../pkg/ui/errors.js');
      if (!Number.isInteger(replicas) || replicas < 1) throw usageError(`--replicas: invalid value "${o.replicas}"`, 'use an integer >= 1');
      const m = await import('../../pkg/upgrade/cli.js');
      const text = m.manifestsYaml({ image: o.image, namespace: o.namespace, replicas });
      if (ctx().ui.json) ctx().ui.result((await import('../../pkg/upgrade/manifests.js')).operatorManifests({ image: o.image, namespace: o.namespace, replicas }));
      else process.stdout.write(text);
    });
}
