import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { NkdError } from '../ui/errors.js';
import { checkAbort } from '../infra/abort.js';
import { applyOrder, type KubeObject } from './manifests.js';

/** The field manager nkd applies with. */
export const FIELD_MANAGER = 'nkd';

const describe = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`;

/** The API server's message of a failed request. */
export function apiMessage(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return e instanceof Error ? e.message : String(e);
}

/**
 * Server-side applies objects (CRDs and Namespaces first), as field manager "nkd" with force
 * (nkd owns what it applies). Idempotent. Returns the "Kind ns/name" of each.
 */
export async function applyObjects(kc: KubeConfig, objects: KubeObject[], opts: { signal?: AbortSignal; source?: string } = {}): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const done: string[] = [];
  for (const o of applyOrder(objects)) {
    checkAbort(opts.signal);
    try {
      await api.patch(o as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (e) {
      throw new NkdError(`applying ${describe(o)}${opts.source ? ` from ${opts.source}` : ''}: ${apiMessage(e)}`, {
        cause: e,
        hint: 'fix the manifest or the cluster, then re-run: applying is idempotent',
      });
    }
    done.push(describe(o));
  }
  return done;
}
