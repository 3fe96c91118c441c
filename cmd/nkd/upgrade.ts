import type { Command } from 'commander';
import { ctx } from './context.js';

const UPGRADE_EXAMPLES = `
Examples:
  # roll Kubernetes to the next patch (the cluster file's spelling 1.37.2 works too)
  nkd upgrade --dir ./mycluster --kubernetes-version v1.37.2

  # roll a NestOS image, two workers at a time, and return at once
  nkd upgrade --dir ./mycluster --os-image registry.example/nestos/nestos@sha256:<64 hex> --max-unavailable 2 --no-follow

  # create (or update) the Upgrade a GitOps repository holds; unknown fields are refused
  nkd upgrade --dir ./mycluster --from-file upgrades/k8s-1.37.yaml

Exit codes: 0 every node at the target; 1 the Upgrade is Degraded (a failed node or a refused
spec) or the API server cannot be reached; 2 bad flags or an unknown field; 130 Ctrl-C (the
rollout keeps running in the cluster).`;

const STATUS_EXAMPLES = `
Examples:
  nkd upgrade status --dir ./mycluster              # every Upgrade, one line per node
  nkd upgrade status --dir ./mycluster k8s-1-37-2   # one Upgrade
  nkd upgrade status --dir ./mycluster --json       # for scripts

Exits 1 when a shown Upgrade is Degraded (with its reason), or when the API server cannot be reached.`;

/** `nkd upgrade` (create an Upgrade and follow it) and `nkd upgrade status`. */
export function register(program: Command): void {
  const up = program
    .command('upgrade')
    .description('roll a NestOS image and/or Kubernetes version across the cluster (creates an Upgrade and follows it)')
    .option('--os-image <image>', 'target NestOS image pinned by digest (registry/repo@sha256:…)')
    .option('--kubernetes-version <version>', 'target Kubernetes version, 1.37.2 or v1.37.2 (at most one minor above the control plane)')
    .option('--max-unavailable <n>', 'workers unavailable at once per stage: a count or a percentage (default: 1; the control plane is always one at a time)')
    .option('--name <name>', 'name of the Upgrade (default: upgrade-<timestamp>, or the file\'s metadata.name)')
    .option('--from-file <upgrade.yaml>', 'create the Upgrade in this manifest, or update it if it exists; flags override its fields')
    .option('--paused', 'create it paused')
    .option('--no-follow', 'return once created')
    .addHelpText('after', UPGRADE_EXAMPLES)
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ osImage?: string; kubernetesVersion?: string; maxUnavailable?: string; name?: string; paused?: boolean; follow?: boolean; fromFile?: string; dir?: string }>();
      const m = await import('../../pkg/commands/upgrade.js');
      await m.upgradeCommand({ ...ctx(), dir: o.dir ?? ctx().dir }, o);
    });
  up
    .command('status [name]')
    .description('show Upgrades and the phase of every node (exit 1 when one is Degraded)')
    .addHelpText('after', STATUS_EXAMPLES)
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ dir?: string }>();
      const m = await import('../../pkg/commands/upgrade.js');
      await m.upgradeStatusCommand({ ...ctx(), dir: o.dir ?? ctx().dir }, name);
    });
}
