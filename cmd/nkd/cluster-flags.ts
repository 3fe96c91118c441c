import type { Command } from 'commander';
import { LAYERED } from '../../pkg/config/layers.js';

/** Adds -f/--file and every layered setting's flag to a command that reads a cluster file. */
export function clusterFileOptions(cmd: Command): Command {
  cmd.requiredOption('-f, --file <cluster.yaml>', 'the cluster file (env NKD_CLUSTER_FILE)', process.env.NKD_CLUSTER_FILE);
  for (const l of LAYERED) {
    if (!l.flag) continue;
    if (l.type === 'boolean') cmd.option(`--${l.flag}`, `${l.description} (env ${l.env})`).option(`--no-${l.flag}`);
    else cmd.option(`--${l.flag} <value>`, `${l.description} (env ${l.env})`);
  }
  return cmd;
}
