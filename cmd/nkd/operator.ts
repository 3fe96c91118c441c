import type { Command } from 'commander';
import { ctx } from './context.js';
import { operatorImage } from '../../pkg/version.js';

/** `nkd operator manifests`: print the upgrade operator's manifests (for GitOps). */
export function register(program: Command): void {
  const op = program.command('operator').description('the in-cluster upgrade operator');
  op
    .command('manifests')
    .description('print the operator manifests (namespace, CRDs, RBAC, agent confinement policy, Deployment, agent DaemonSet) as YAML')
    .option('--image <image>', 'the image that runs the operator and the agent', operatorImage())
    .option('--image-repository <registry>', 'use <registry>/nkd-operator:<nkd version> as the image (where hack/operator-image.sh pushed it)')
    .option('--namespace <ns>', 'namespace of the operator (a DNS label)', 'nkd-system')
    .option('--replicas <n>', 'operator replicas', '2')
    .option('--kubernetes-version <version>', "the cluster's Kubernetes version; before v1.30 the agent confinement policy is left out")
    .addHelpText('after', `\nThe image is built by hack/operator-image.sh and must be pushed where the nodes pull from.\n\nExamples:\n  nkd operator manifests > operator.yaml\n  nkd operator manifests --image-repository registry.example.com/nestos | kubectl apply --server-side -f -`)
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ image: string; imageRepository?: string; namespace: string; replicas: string; kubernetesVersion?: string }>();
      const { operatorManifestsCommand } = await import('../../pkg/commands/operator.js');
      await operatorManifestsCommand(ctx(), { ...o, imageGiven: cmd.getOptionValueSource('image') === 'cli' });
    });
}
