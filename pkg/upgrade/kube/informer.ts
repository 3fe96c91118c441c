/**
 * The one informer bootstrap of the operator and the agent: a list, then a watch from the
 * list's resourceVersion (client-node's ListWatch), and one rule for a failed watch (start
 * again a second later, unless stopping).
 */
import { CustomObjectsApi, ListWatch, Watch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import { GROUP, VERSION, type NODE_UPGRADES, type UPGRADES } from '../api/vocabulary.js';

/** A list-watch informer of `path` (optionally by label selector) listing with `list`; `watch` may transform what it hands on. */
export function listWatch<T extends KubernetesObject>(kc: KubeConfig, path: string, list: ListPromise<T>, labelSelector?: string, watch: Watch = new Watch(kc)): ListWatch<T> {
  return new ListWatch<T>(path, watch, list, false, labelSelector);
}

/** A list-watch informer of Upgrades or NodeUpgrades (cluster-scoped), optionally by label selector. */
export function upgradeApiInformer<T extends KubernetesObject>(kc: KubeConfig, plural: typeof UPGRADES | typeof NODE_UPGRADES, labelSelector?: string): ListWatch<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return listWatch<T>(kc, `/apis/${GROUP}/${VERSION}/${plural}`,
    () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural, labelSelector }) as never, labelSelector);
}

/** An informer as started and stopped, whatever it caches. */
export interface RunningInformer { on(verb: 'error', cb: (err?: unknown) => void): void; start(): Promise<void>; stop(): Promise<void> }

/**
 * Starts informers and resolves once each has listed. A failed watch starts again a second
 * later unless `stopping()` (stopping aborts the watches: no restart, nothing to report); `log`
 * hears why it failed.
 */
export async function startInformers(informers: ReadonlyArray<RunningInformer>, stopping: () => boolean, log?: (m: string) => void): Promise<void> {
  for (const inf of informers) {
    inf.on('error', (e: unknown) => {
      if (stopping()) return;
      log?.(`informer: ${(e as Error)?.message ?? e}`);
      setTimeout(() => { if (!stopping()) void inf.start().catch(() => undefined); }, 1000).unref?.();
    });
  }
  await Promise.all(informers.map((i) => i.start()));
}
