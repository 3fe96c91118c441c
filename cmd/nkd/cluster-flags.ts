import type { Command } from 'commander';
import { layeredSettings } from '../../pkg/config/layers.js';
import { usageError } from '../../pkg/ui/errors.js';
import { DEFAULT_WAIT_MINUTES } from './help.js';

/** The -f option: the cluster file (env NKD_CLUSTER_FILE). */
export function fileOption(cmd: Command, description = 'the cluster file (env NKD_CLUSTER_FILE)'): Command {
  return cmd.option('-f, --file <cluster.yaml>', description, process.env.NKD_CLUSTER_FILE || undefined);
}

/**
 * Adds -f/--file and every layered setting's flag to a command that reads a cluster file.
 * -f is checked when the action runs, not by the parser, so an unknown option is reported as
 * what it is rather than as a missing -f.
 */
export function clusterFileOptions(cmd: Command): Command {
  fileOption(cmd);
  for (const l of layeredSettings()) {
    if (!l.flag) continue;
    if (l.type === 'boolean') {
      cmd.option(`--${l.flag}`, `${l.description} (env ${l.env}=true)`).option(`--no-${l.flag}`, `do not ${l.description} (env ${l.env}=false)`);
    } else cmd.option(`--${l.flag} <value>`, `${l.description} (env ${l.env})`);
  }
  cmd.hook('preAction', (c) => {
    if (!c.opts<{ file?: string }>().file) {
      throw usageError(`nkd ${c.name()}: -f/--file is required`, `give the cluster file, e.g. \`nkd ${c.name()} -f cluster.yaml\` (or set NKD_CLUSTER_FILE); \`nkd template --platform libvirt > cluster.yaml\` writes one`);
    }
  });
  return cmd;
}

/** --api-timeout and --nodes-timeout: the bounds of deploy's and extend's waits, in minutes. */
export function waitOptions(cmd: Command): Command {
  return cmd
    .option('--api-timeout <minutes>', 'how long to wait for the API server', String(DEFAULT_WAIT_MINUTES.api))
    .option('--nodes-timeout <minutes>', 'how long to wait for every node to be Ready', String(DEFAULT_WAIT_MINUTES.nodes));
}
