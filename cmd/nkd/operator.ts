import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd operator manifests`: print the upgrade operator's manifests (for GitOps). */
export function register(program: Command): void {
  const op = program.command('operator').description('the in-cluster upgrade operator');
  op
    .command('manifests')
    .description('print the operator manifests (namespace, CRDs, RBAC, agent confinement policy, Deployment, agent DaemonSet) as YAML')
    .requiredOption('--image <image>', 'the nkd image that runs the operator and the agent')
    .option('--namespace <ns>', 'namespace of the operator', 'nkd-system')
    .option('--replicas <n>', 'operator replicas', '2')
    .option('--kubernetes-version <version>', "the cluster's Kubernetes version; before v1.30 the agent confinement policy is left out")
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ image: string; namespace: string; replicas: string; kubernetesVersion?: string }>();
      const replicas = Number(o.replicas);
      const { usageError } = await import('../../pkg/ui/errors.js');
      if (!Number.isInteger(replicas) || replicas < 1) throw usageError(`--replicas: invalid value "${o.replicas}"`, 'use an integer >= 1');
      if (o.kubernetesVersion !== undefined && !/^v?\d+\.\d+\.\d+$/.test(o.kubernetesVersion)) throw usageError(`--kubernetes-version: invalid value "${o.kubernetesVersion}"`, 'use a version like v1.37.1');
      const opts = { image: o.image, namespace: o.namespace, replicas, kubernetesVersion: o.kubernetesVersion };
      const m = await import('../../pkg/upgrade/cli.js');
      const text = m.manifestsYaml(opts);
      if (ctx().ui.json) ctx().ui.result((await import('../../pkg/upgrade/manifests.js')).operatorManifests(opts));
      else process.stdout.write(text);
    });
}
