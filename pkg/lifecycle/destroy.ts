import type { ClusterConfig } from '../config/types.gen.js';
import { Journal } from '../infra/journal.js';
import type { JsonObject } from '../infra/platform.js';
import { providerForConfig, providerForJournal } from '../infra/registry.js';
import type { DestroyReport, Provider } from '../infra/types.js';
import { NkdError, usageError, wrapError } from '../ui/errors.js';
import type { Ui } from '../ui/output.js';
import { ClusterDir } from '../cluster-dir.js';

/** What destroy needs: the directory; the cluster file only when the journal is gone. */
export interface DestroyOptions {
  dir: string;
  ui: Ui;
  signal?: AbortSignal;
  /** The cluster file: lets destroy sweep by tag when the journal was lost. */
  config?: ClusterConfig;
}

/** What destroy is built from: the registry's provider unless one is injected (not closed then). */
export interface DestroyDeps {
  provider?: Provider;
}

/**
 * `nkd destroy`: deletes every resource in the journal and sweeps by cluster tag, with
 * retries; returns what was deleted, kept and what remains. Throws (exit 1) if any remains.
 */
export async function destroy(opts: DestroyOptions, deps: DestroyDeps = {}): Promise<DestroyReport> {
  const { dir, ui } = opts;
  const file = new ClusterDir(dir).journal;
  const data = await Journal.read(file);
  if (!data && !opts.config) {
    throw usageError(`nkd destroy: no journal in ${dir} (${file})`, 'point --dir at the cluster directory, or give -f cluster.yaml to sweep that cluster\'s resources by tag');
  }
  let provider = deps.provider ?? (opts.config ? await providerForConfig(opts.config) : undefined);
  const providerConfig: JsonObject = provider?.journalSettings() ?? {};
  const clusterId = data?.clusterId ?? opts.config?.metadata.name ?? '';
  if (opts.config && data && opts.config.metadata.name !== data.clusterId) {
    throw usageError(`nkd destroy: ${file} is cluster "${data.clusterId}", the cluster file names "${opts.config.metadata.name}"`, 'use the cluster file of this directory, or another --dir');
  }
  const recorded = data?.provider ?? provider?.name;
  if (!recorded) throw usageError(`nkd destroy: no journal in ${dir} and no platform to sweep`, 'give -f cluster.yaml');
  const journal = await Journal.open(file, { clusterId, provider: recorded, providerConfig });
  provider ??= await providerForJournal(journal);
  try {
    await provider.preflight('connect');
    if (!data) ui.warn(`no journal in ${dir}: sweeping ${provider.name} for resources tagged with cluster ${clusterId}`);
    const report = await ui
      .phase('destroy', () => provider.destroy(journal, { progress: ui, signal: opts.signal }), 'each deletion retried 3 times')
      .catch((e: unknown) => {
        throw e instanceof NkdError ? e : wrapError(`destroying cluster ${clusterId}`, e);
      });
    await journal.resetPhases();
    for (const k of report.kept) ui.info(`kept ${k.kind} ${k.name}: ${k.reason}`);
    if (report.remaining.length > 0) {
      throw new NkdError(`${report.remaining.length} resource${report.remaining.length > 1 ? 's' : ''} of cluster ${clusterId} remain after destroy`, {
        details: report.remaining.map((r) => `${r.kind} ${r.name}: ${r.error}`),
        hint: 'fix the cause (a busy disk, a stopped libvirtd) and re-run `nkd destroy`; the journal still lists them',
      });
    }
    ui.ok(`cluster ${clusterId} destroyed: ${report.deleted.length} resources deleted, none remain`);
    return report;
  } finally {
    if (!deps.provider) await provider.close();
  }
}
