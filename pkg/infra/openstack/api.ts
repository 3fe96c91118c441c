/**
 * Requests to the OpenStack services over a Keystone session, with the retries every call
 * needs: 429 and 5xx (and a dropped connection on a read or delete) a bounded number of times
 * with backoff, honouring Retry-After; 409 only where the caller says it is transient (a port
 * still bound while its server goes away). A refusal becomes an {@link OpenStackApiError}
 * naming the service, what nkd was doing and the service's own message (NeutronError's
 * message, Nova's fault text, Glance's page text) — never the token.
 */
import { ExitCode, NkdError } from '../../ui/errors.js';
import type { HttpAnswer } from '../http.js';
import { errorMessage, type KeystoneSession } from './keystone.js';

/** The catalog types nkd uses, and how messages call them. */
export const SERVICES = { compute: 'Nova', network: 'Neutron', image: 'Glance' } as const;
/** A catalog service type nkd talks to. */
export type ServiceType = keyof typeof SERVICES;

/**
 * The compute microversion nkd sends: 2.64 gives server tags at create (2.52), `?tags=`
 * filters (2.26) and a server group's single `policy` with soft-anti-affinity (2.64); every
 * Nova since Stein (2019) has it.
 */
export const COMPUTE_MICROVERSION = '2.64';

/** A service refused a request (or kept failing). */
export class OpenStackApiError extends NkdError {
  constructor(
    readonly service: ServiceType,
    readonly status: number,
    readonly what: string,
    readonly serviceMessage: string,
    hint?: string,
  ) {
    super(`${SERVICES[service]} refused to ${what}: ${serviceMessage} (HTTP ${status})`, { code: status === 403 || status === 400 ? ExitCode.Usage : ExitCode.Failure, hint });
    this.name = 'OpenStackApiError';
  }
}

/** The service's own message of an error answer (JSON message, or the text of an HTML page). */
export function serviceMessage(a: HttpAnswer): string {
  const body = a.body.trim();
  if (body.startsWith('<')) {
    const text = body.replace(/<title>[^<]*<\/title>/i, '').replace(/<h1>[^<]*<\/h1>/i, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return text || `HTTP ${a.status}`;
  }
  return body ? errorMessage(a).replace(/\s+/g, ' ').trim() : `HTTP ${a.status}`;
}

/** What to tell the user for a status, when the service's message alone does not say. */
function hintFor(status: number, what: string): string | undefined {
  if (status === 403) return `the credentials may not ${what}: use an application credential or user with the member role on the project (nkd never needs admin)`;
  if (status === 413) return 'a quota of the project is exhausted: free resources or ask the cloud\'s operators to raise it';
  return undefined;
}

/** How one call behaves. */
export interface CallOptions {
  /** Statuses that are answers, not errors (404 for a lookup). Default: 2xx only. */
  ok?: number[];
  /** Retry 409 (with the same backoff): the conflict is expected to clear by itself. */
  retry409?: boolean;
  headers?: Record<string, string>;
}

/** Retries and their waits (tests shorten them). */
export interface RetryPolicy {
  attempts: number;
  /** First wait; doubled each time. */
  baseMs: number;
  sleep(ms: number): Promise<void>;
}

/** Five attempts: 1, 2, 4 and 8 s apart (15 s in all). */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 1000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

const transient = (status: number, retry409: boolean): boolean => status === 429 || status === 502 || status === 503 || status === 504 || status === 500 || (retry409 && status === 409);

/** The three services' APIs over one session. */
export class OpenStackApi {
  constructor(readonly session: KeystoneSession, readonly retry: RetryPolicy = DEFAULT_RETRY) {}

  /**
   * One request; the parsed JSON body (undefined for an empty one or an `ok` status). `what`
   * says what nkd was doing, for the error ("create port nkd-demo-master-1").
   */
  async call<T = unknown>(service: ServiceType, method: string, path: string, what: string, body?: unknown, opts: CallOptions = {}): Promise<{ status: number; body: T | undefined }> {
    const headers = { ...(service === 'compute' ? { 'openstack-api-version': `compute ${COMPUTE_MICROVERSION}`, 'x-openstack-nova-api-version': COMPUTE_MICROVERSION } : {}), ...opts.headers };
    const idempotent = method === 'GET' || method === 'DELETE' || method === 'PUT';
    let last: HttpAnswer | undefined;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      let a: HttpAnswer;
      try {
        a = await this.session.request(service, method, path, body, headers);
      } catch (e) {
        if (e instanceof NkdError || !idempotent) throw wrapTransport(service, what, e);
        lastErr = e;
        if (attempt < this.retry.attempts) await this.retry.sleep(this.retry.baseMs * 2 ** (attempt - 1));
        continue;
      }
      last = a;
      lastErr = undefined;
      if ((a.status >= 200 && a.status < 300) || opts.ok?.includes(a.status)) {
        return { status: a.status, body: a.body.trim() ? (JSON.parse(a.body) as T) : undefined };
      }
      if (!transient(a.status, !!opts.retry409) || attempt === this.retry.attempts) break;
      const after = Number(headerOf(a, 'retry-after'));
      await this.retry.sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : this.retry.baseMs * 2 ** (attempt - 1));
    }
    if (!last) throw wrapTransport(service, what, lastErr);
    throw new OpenStackApiError(service, last.status, what, serviceMessage(last), hintFor(last.status, what));
  }

  /** GET of a JSON document. */
  async get<T>(service: ServiceType, path: string, what: string): Promise<T> {
    return (await this.call<T>(service, 'GET', path, what)).body as T;
  }

  /** GET that answers undefined for 404. */
  async find<T>(service: ServiceType, path: string, what: string): Promise<T | undefined> {
    const r = await this.call<T>(service, 'GET', path, what, undefined, { ok: [404] });
    return r.status === 404 ? undefined : r.body;
  }

  /** POST of a JSON document. */
  async post<T>(service: ServiceType, path: string, what: string, body: unknown): Promise<T> {
    return (await this.call<T>(service, 'POST', path, what, body)).body as T;
  }

  /** PUT (JSON or none). */
  async put<T>(service: ServiceType, path: string, what: string, body?: unknown): Promise<T | undefined> {
    return (await this.call<T>(service, 'PUT', path, what, body)).body;
  }

  /** DELETE; true when deleted now, false when it was already gone (404). 409s are retried. */
  async delete(service: ServiceType, path: string, what: string): Promise<boolean> {
    const r = await this.call(service, 'DELETE', path, what, undefined, { ok: [404], retry409: true });
    return r.status !== 404;
  }
}

const headerOf = (a: HttpAnswer, name: string): string | undefined => {
  const v = a.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function wrapTransport(service: ServiceType, what: string, e: unknown): NkdError {
  if (e instanceof NkdError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? (e as Error | undefined)?.message ?? String(e);
  return new NkdError(`${SERVICES[service]} did not answer while nkd tried to ${what}: ${code}`, {
    code: ExitCode.Failure, cause: e,
    hint: `check that this machine reaches the ${service} endpoint of the catalog; re-run to resume (the journal is kept)`,
  });
}
