import { Journal } from '../infra/journal.js';
import { checkClusterDir, clusterDir } from '../lifecycle/cluster-dir.js';
import { destroy } from '../lifecycle/destroy.js';
import { ExitCode, NkdError, usageError } from '../ui/errors.js';
import { plural } from '../ui/output.js';
import { canAsk, confirm } from '../ui/prompt.js';
import { loadClusterFile, type CommandContext } from './context.js';
import { ClusterDir } from '../cluster-dir.js';

/** The flags of `nkd destroy`, as parsed. */
export interface DestroyFlags {
  file?: string;
  /** Delete without asking. */
  yes?: boolean;
  /** List what would be deleted; connect to nothing. */
  dryRun?: boolean;
}

/**
 * `nkd destroy`: asks first on a terminal (--yes for scripts; without a terminal and without
 * --yes it refuses), or with --dry-run lists what the journal would delete.
 */
export async function destroyCommand(c: CommandContext, o: DestroyFlags, ask: { canAsk: () => boolean; confirm: (q: string) => Promise<boolean> } = { canAsk, confirm: (q) => confirm(q, undefined, c.signal) }): Promise<void> {
  const config = o.file ? (await loadClusterFile(c, o.file)).config : undefined;
  const dir = clusterDir('destroy', c.dir, config?.metadata.name);
  const shown = c.dir ?? config?.metadata.name ?? dir;
  if (!config) await checkClusterDir('destroy', dir, shown);
  c.ui.log.useClusterDir(dir);
  const journal = await Journal.read(new ClusterDir(dir).journal);
  const cluster = journal?.clusterId ?? config?.metadata.name ?? '';
  const owned = (journal?.entries ?? []).filter((e) => e.owned);
  if (o.dryRun) {
    const lines = [
      `destroy would delete ${plural(owned.length, 'resource')} of cluster ${cluster} recorded in ${new ClusterDir(dir).journal}${journal ? '' : ' (no journal)'}:`,
      ...owned.map((e) => `- delete ${e.kind} ${e.name}`),
      ...(journal?.entries ?? []).filter((e) => !e.owned).map((e) => `  keep   ${e.kind} ${e.name} (not the cluster's own)`),
      `then sweep ${journal?.provider ?? config?.spec.platform ?? 'the platform'} for resources tagged with cluster ${cluster} (not checked in a dry run)`,
    ];
    if (c.ui.json) c.ui.result({ dryRun: true, cluster, dir, delete: owned.map((e) => ({ kind: e.kind, name: e.name })) });
    else c.ui.print(lines.join('\n'));
    return;
  }
  if (!o.yes) {
    const target = `cluster ${cluster || '(unknown)'} in ${dir}`;
    if (!ask.canAsk()) {
      throw usageError(`nkd destroy: refusing to destroy ${target} without confirmation: there is no terminal to ask on`, 'pass --yes to destroy from a script, or run it on a terminal; --dry-run lists what would be deleted');
    }
    if (!(await ask.confirm(`destroy ${target}: delete ${plural(owned.length, 'recorded resource')} and everything tagged with the cluster?`))) throw new NkdError('nkd destroy: not confirmed; nothing was deleted', { code: ExitCode.Usage, hint: 'answer y to destroy, or pass --yes' });
  }
  const report = await destroy({ dir, ui: c.ui, signal: c.signal, config });
  if (c.ui.json) c.ui.result(report);
}
