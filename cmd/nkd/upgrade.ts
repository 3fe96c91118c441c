import type { Command } from 'commander';
import { ctx } from './context.js';

/** `nkd upgrade` (create an Upgrade and follow it) and `nkd upgrade status`. */
export function register(program: Command): void {
  const up = program
    .command('upgrade')
    .description('roll a NestOS image and/or Kubernetes version across the cluster (creates an Upgrade and follows it)')
    .option('--os-image <image>', 'target NestOS image pinned by digest (registry/repo@sha256:…)')
    .option('--kubernetes-version <version>', 'target Kubernetes version (vX.Y.Z, at most one minor above the control plane)')
    .option('--max-unavailable <n>', 'workers unavailable at once: a count or a percentage')
    .option('--name <name>', 'name of the Upgrade (default: upgrade-<timestamp>)')
    .option('--paused', 'create it paused')
    .option('--no-follow', 'return once created')
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ osImage?: string; kubernetesVersion?: string; maxUnavailable?: string; name?: string; paused?: boolean; follow?: boolean; dir?: string }>();
      const m = await import('../../pkg/upgrade/cli.js');
      const c = ctx();
      await m.runUpgrade(o.dir ?? c.dir, o, { info: (s) => c.ui.info(s), ok: (s) => c.ui.ok(s), warn: (s) => c.ui.warn(s), print: (s) => c.ui.print(s), result: (v) => c.ui.result(v), json: c.ui.json }, c.signal);
    });
  up
    .command('status [name]')
    .description('show Upgrades and the phase of every node')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ dir?: string }>();
      const m = await import('../../pkg/upgrade/cli.js');
      const c = ctx();
      await m.upgradeStatus(o.dir ?? c.dir, name, { info: (s) => c.ui.info(s), ok: (s) => c.ui.ok(s), warn: (s) => c.ui.warn(s), print: (s) => c.ui.print(s), result: (v) => c.ui.result(v), json: c.ui.json });
    });
}
