import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { NkdError } from '../ui/errors.js';
import { checkAbort } from '../abort.js';
import { applyOrder, type KubeObject } from './manifests.js';

/** The field manager nkd applies with. */
const FIELD_MANAGER = 'nkd';

const describe = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`;

/** The API server's message of a failed request. */
function apiMessage(e: unknown): string {
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

/** An API error with the server's body, like client-node's ApiException. */
class ApplyError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

/**
 * Sends one server-side apply PATCH with the object's JSON as written. client-node's
 * KubernetesObjectApi.patch re-serializes known kinds through its typed models, which drops
 * fields whose JSON name differs from the model's (x-kubernetes-int-or-string in a CRD, $ref):
 * so only its discovery (the resource path) is used here, and the body is sent untouched.
 */
async function serverSideApply(kc: KubeConfig, discovery: KubernetesObjectApi, o: KubeObject): Promise<void> {
  const spec = { ...o, metadata: { ...o.metadata } };
  const path = await (discovery as unknown as { specUriPath(s: KubernetesObject, a: string): Promise<string> }).specUriPath(spec as KubernetesObject, 'patch');
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(`${server.replace(/\/$/, '')}${path}?fieldManager=${FIELD_MANAGER}&force=true`);
  const opts: import('node:https').RequestOptions = { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const body = JSON.stringify(o);
  await new Promise<void>((resolve, reject) => {
    const req = (url.protocol === 'http:' ? httpRequest : request)(url, opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new ApplyError(res.statusCode ?? 0, text))));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Server-side applies objects (CRDs and Namespaces first), as field manager "nkd" with force
 * (nkd owns what it applies). Idempotent. Returns the "Kind ns/name" of each.
 */
export async function applyObjects(kc: KubeConfig, objects: KubeObject[], opts: { signal?: AbortSignal; source?: string } = {}): Promise<string[]> {
  const discovery = KubernetesObjectApi.makeApiClient(kc);
  const done: string[] = [];
  for (const o of applyOrder(objects)) {
    checkAbort(opts.signal);
    try {
      await serverSideApply(kc, discovery, o);
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
