/**
 * How the deployer's upgrade client reports a failed API call: an unreachable server names
 * the server and the kubeconfig (a runtime failure, exit 1); refused credentials say so; a
 * missing API asks whether the operator is installed; a field the schema does not know (strict field
 * validation) is a usage error naming the field path and the closest known field. Also which
 * failures only mean the API server is away for now.
 */
import { ApiException } from '@kubernetes/client-node';
import { closest } from '../../config/suggest.js';
import { ExitCode, NkdError } from '../../ui/errors.js';
import { upgradeSpecSchema } from '../api/schema.js';
import { GROUP, UPGRADES } from '../api/vocabulary.js';

/** Where the CLI talks to. */
export interface ApiTarget { server: string; kubeconfig: string }

/** The network failure (connection refused, reset, TLS, …) behind an error or its causes, if that is what it is; undefined if the server answered. */
function networkCause(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; depth++, c = (c as { cause?: unknown }).cause) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR\w*|CERT_\w+|DEPTH_ZERO\w*|SELF_SIGNED\w*|UNABLE_TO\w*|ERR_TLS\w*)$/.test(code)) {
      const msg = (c as Error).message ?? '';
      // node-fetch: "request to https://… failed, reason: connect ECONNREFUSED 10.0.0.1:6443"
      return /reason: (.+)$/.exec(msg)?.[1] ?? (msg.includes(code) ? msg : `${code}${msg ? ` (${msg})` : ''}`);
    }
  }
  return undefined;
}

/**
 * An error that says the API server is away for now (connection refused or reset, 5xx, 429 — a
 * starting API server answers "storage is (re)initializing"), not that the request is wrong. With `credentialsWorked` (they were accepted earlier in this run) a 401 or
 * 403 counts too: an API server that just restarted refuses everyone until its RBAC caches are
 * filled (seen on the real cluster after `kubeadm upgrade apply`).
 */
export function transientApiError(e: unknown, o: { credentialsWorked?: boolean } = {}): boolean {
  const cause = e instanceof NkdError ? e.cause : e;
  if (cause instanceof ApiException) return cause.code >= 500 || cause.code === 429 || (!!o.credentialsWorked && (cause.code === 401 || cause.code === 403));
  return networkCause(cause) !== undefined;
}

/** The Kubernetes Status message in an ApiException body, if any. */
function statusMessage(e: ApiException<unknown>): string {
  const body = e.body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | undefined;
    if (parsed?.message) return parsed.message;
  } catch { /* not JSON */ }
  return typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${e.code}`;
}

/** Every field path of an object schema, dotted from `prefix`. */
function fieldPaths(schema: { properties?: Record<string, unknown> }, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    out.push(`${prefix}.${k}`);
    const child = v as { properties?: Record<string, unknown>; items?: { properties?: Record<string, unknown> } };
    if (child.properties) out.push(...fieldPaths(child, `${prefix}.${k}`));
    if (child.items?.properties) out.push(...fieldPaths(child.items, `${prefix}.${k}[]`));
  }
  return out;
}

/** One line per unknown field of a strict-validation answer, with the closest known field. */
export function unknownFieldDetails(message: string): string[] {
  const known = ['apiVersion', 'kind', 'metadata', 'spec', 'status', ...fieldPaths(upgradeSpecSchema, 'spec')];
  const fields = [...message.matchAll(/unknown field "([^"]+)"/g)].map((m) => m[1] as string);
  return fields.map((f) => {
    const generic = f.replace(/\[\d+\]/g, '[]');
    const parent = generic.includes('.') ? generic.slice(0, generic.lastIndexOf('.')) : '';
    const leaf = (k: string) => k.slice(k.lastIndexOf('.') + 1);
    const siblings = known.filter((k) => (k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') === parent).map(leaf);
    const near = closest(leaf(generic), siblings);
    const concrete = f.includes('.') ? `${f.slice(0, f.lastIndexOf('.'))}.${near}` : near;
    return `${f}: unknown field (not in the Upgrade schema${near ? `; did you mean ${concrete}?` : ''})`;
  });
}

/** Turns a failed API call of `what` into an NkdError that names the server, the kubeconfig and the fix. */
export function upgradeApiError(what: string, e: unknown, target: ApiTarget): NkdError {
  if (e instanceof NkdError) return e;
  if (!(e instanceof ApiException)) {
    const net = networkCause(e);
    const detail = net ?? (e instanceof Error ? e.message : String(e));
    return new NkdError(`${what}: cannot reach the API server ${target.server} (kubeconfig ${target.kubeconfig}): ${detail}`, {
      code: ExitCode.Failure, cause: e,
      hint: 'check that the cluster is up and that this machine reaches the server named in the kubeconfig (`nkd status --dir <clusterDir>`)',
    });
  }
  const msg = statusMessage(e);
  if (e.code === 401 || e.code === 403) {
    return new NkdError(`${what}: the API server ${target.server} refused the credentials of ${target.kubeconfig} (HTTP ${e.code}): ${msg}`, {
      cause: e, hint: 'use the cluster directory\'s admin kubeconfig (auth/admin.conf), or one whose user may manage upgrades.nkd resources',
    });
  }
  if (e.code === 404 && /could not find the requested resource|404 page not found/i.test(msg)) {
    return new NkdError(`${what}: the API server ${target.server} does not serve ${UPGRADES}.${GROUP}`, {
      cause: e, hint: 'is the upgrade operator installed? enable spec.upgradeOperator in the cluster file and re-run `nkd deploy`, or apply `nkd operator manifests`',
    });
  }
  if (e.code === 400 || e.code === 422) {
    const details = unknownFieldDetails(msg);
    return new NkdError(`${what}: the API server refused the Upgrade: ${details.length ? `${details.length} unknown field(s)` : msg}`, {
      code: ExitCode.Usage, cause: e, details: details.length ? details : [],
      hint: details.length ? 'fix the spelling (the fields of an Upgrade: `kubectl explain upgrades.spec`), then run again' : 'fix the Upgrade as the message says, then run again',
    });
  }
  return new NkdError(`${what}: the API server ${target.server} answered HTTP ${e.code}: ${msg}`, { cause: e });
}
