import { readFile } from 'node:fs/promises';
import { ClusterDir } from '../cluster-dir.js';
import { checkClusterDir, clusterDir } from '../lifecycle/cluster-dir.js';
import { clusterStatus, formatStatus } from '../lifecycle/status.js';
import { loadClusterFile, type CommandContext } from './context.js';

/** The flags of `nkd status`, as parsed. */
export interface StatusFlags {
  /** The cluster file: its directory is ./<metadata.name>. */
  file?: string;
}

/** `nkd status`: the directory from --dir, else from -f's metadata.name. */
export async function statusCommand(c: CommandContext, o: StatusFlags = {}): Promise<void> {
  const config = o.file ? (await loadClusterFile(c, o.file)).config : undefined;
  const dir = clusterDir('status', c.dir, config?.metadata.name);
  await checkClusterDir('status', dir, c.dir ?? config?.metadata.name);
  c.ui.log.useClusterDir(dir);
  const report = await clusterStatus({ dir });
  report.cluster ||= config?.metadata.name ?? (await renderedClusterName(dir)) ?? '';
  if (c.ui.json) c.ui.result(report);
  else c.ui.print(formatStatus(report));
}

/** The cluster a rendered (not yet deployed) directory belongs to, from its render state. */
async function renderedClusterName(dir: string): Promise<string | undefined> {
  try {
    const state = JSON.parse(await readFile(new ClusterDir(dir).state, 'utf8')) as { cluster?: unknown };
    return typeof state.cluster === 'string' ? state.cluster : undefined;
  } catch {
    return undefined;
  }
}
