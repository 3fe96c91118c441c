/**
 * A Keystone v3 session: a project-scoped token (password or application credential), the
 * service catalog it carries, endpoints chosen by service type, region and interface, and
 * requests to the services with the token — renewed before it expires and once more when a
 * service answers 401 mid-run. HTTP(S) through ../http.ts so the cloud's CA bundle applies.
 * The token and the credentials are never logged or put into an error.
 */
import { readFile } from 'node:fs/promises';
import { NkdError, ExitCode, usageError } from '../../ui/errors.js';
import { nodeStreamTransport, nodeTransport, type HttpAnswer, type StreamTransport, type Transport } from '../http.js';
import type { OpenStackAuth } from './clouds.js';

/** A catalog endpoint. */
interface Endpoint { interface: string; region?: string; region_id?: string; url: string }
/** A catalog entry. */
export interface CatalogEntry { type: string; name?: string; endpoints: Endpoint[] }

/** The token body Keystone returns (the parts nkd reads). */
interface TokenBody { token?: { expires_at?: string; catalog?: CatalogEntry[]; project?: { id: string; name?: string }; user?: { id: string; name?: string } } }

/** Renew the token when it expires within this long. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** The auth request body for the credentials (scoped to the project for a password). */
export function authBody(auth: OpenStackAuth): object {
  const m = auth.method;
  if (m.kind === 'application-credential') {
    const cred = m.id ? { id: m.id, secret: m.secret } : { name: m.name, secret: m.secret, user: { name: m.username, domain: m.userDomain } };
    return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
  }
  const user = m.userId ? { id: m.userId, password: m.password } : { name: m.username, domain: m.userDomain, password: m.password };
  const project = m.project.id ? { id: m.project.id } : { name: m.project.name, domain: m.projectDomain };
  return { auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } };
}

/** Keystone's (or a service's) error message from an error body. */
export function errorMessage(a: HttpAnswer): string {
  try {
    const j = JSON.parse(a.body) as Record<string, { message?: string; title?: string } | undefined> & { message?: string; NeutronError?: { message?: string } };
    const first = Object.values(j).find((v) => typeof v === 'object' && v && typeof v.message === 'string') as { message: string } | undefined;
    return (first?.message ?? j.message ?? a.body).toString().slice(0, 400);
  } catch {
    return a.body.slice(0, 400);
  }
}

/** A Keystone session (see the file comment). */
export class KeystoneSession {
  private token?: string;
  private expiresAt = 0;
  private catalog: CatalogEntry[] = [];
  /** The project the token is scoped to. */
  project?: { id: string; name?: string };
  private ca?: string;

  constructor(readonly auth: OpenStackAuth, private readonly transport: Transport = nodeTransport, private readonly now: () => number = Date.now, private readonly streamTransport: StreamTransport = nodeStreamTransport) {}

  /** Authenticates (again); throws naming the source of the credentials on refusal. */
  async authenticate(): Promise<void> {
    if (this.auth.cacert && this.ca === undefined) {
      this.ca = await readFile(this.auth.cacert, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw usageError(`${this.auth.source}: cacert ${this.auth.cacert} cannot be read: ${e.code ?? e.message}`, 'point cacert at the cloud\'s CA bundle (PEM)');
      });
    }
    const url = `${this.auth.authUrl}/auth/tokens`;
    let a: HttpAnswer;
    try {
      a = await this.transport('POST', url, { 'content-type': 'application/json', accept: 'application/json' }, JSON.stringify(authBody(this.auth)), this.ca);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new NkdError(`cannot reach Keystone at ${this.auth.authUrl}: ${code}`, {
        code: ExitCode.Failure,
        hint: /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) ? 'the cloud\'s certificate is not trusted here: give its CA bundle as cacert in clouds.yaml' : `check the auth URL (${this.auth.source}) and that this machine reaches it`,
      });
    }
    if (a.status === 401) {
      throw new NkdError(`Keystone refused the credentials of ${this.auth.source}: ${errorMessage(a)}`, {
        code: ExitCode.Usage,
        hint: this.auth.method.kind === 'password' ? 'check the user, its domain, the project and the password (NKD_OPENSTACK_PASSWORD or secure.yaml)' : 'check the application credential\'s id and secret, and that it has not expired',
      });
    }
    if (a.status !== 201) throw new NkdError(`Keystone at ${this.auth.authUrl} answered ${a.status} to the token request: ${errorMessage(a)}`, { code: ExitCode.Failure });
    const header = a.headers['x-subject-token'];
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) throw new NkdError(`Keystone at ${this.auth.authUrl} issued no token (no X-Subject-Token header)`, { code: ExitCode.Failure });
    const body = JSON.parse(a.body) as TokenBody;
    this.token = token;
    this.expiresAt = Date.parse(body.token?.expires_at ?? '') || this.now() + 60 * 60_000;
    this.catalog = body.token?.catalog ?? [];
    this.project = body.token?.project;
    if (!this.project) throw usageError(`${this.auth.source}: the token is not scoped to a project`, 'give a project (project_name or project_id): nkd works inside one project');
  }

  /** The catalog's URL of a service type, for the configured region and interface. */
  endpoint(type: string): string {
    const entry = this.catalog.find((c) => c.type === type);
    if (!entry) throw new NkdError(`the cloud's catalog has no ${type} service (it has ${this.catalog.map((c) => c.type).join(', ') || 'none'})`, { code: ExitCode.Failure, hint: `nkd needs ${type}; ask the cloud's operators, or check the region` });
    const region = this.auth.region;
    const fits = entry.endpoints.filter((e) => e.interface === this.auth.interface && (!region || e.region === region || e.region_id === region));
    if (fits.length === 0) {
      const have = entry.endpoints.map((e) => `${e.interface}@${e.region ?? e.region_id ?? '?'}`).join(', ');
      throw usageError(`the ${type} service has no ${this.auth.interface} endpoint${region ? ` in region ${region}` : ''} (it has ${have})`, 'set region_name (spec.openstack.region) and interface to one of those');
    }
    if (!region && new Set(fits.map((e) => e.region ?? e.region_id)).size > 1) {
      throw usageError(`the ${type} service has endpoints in several regions (${[...new Set(fits.map((e) => e.region ?? e.region_id))].join(', ')})`, 'choose one with spec.openstack.region (or region_name in clouds.yaml)');
    }
    return fits[0]!.url.replace(/\/+$/, '');
  }

  /** A valid token, renewed when it is about to expire. */
  async currentToken(): Promise<string> {
    if (!this.token || this.now() > this.expiresAt - RENEW_BEFORE_MS) await this.authenticate();
    return this.token!;
  }

  /**
   * A request to a service (`type` from the catalog; `path` relative to its endpoint). A 401
   * (the token expired or was revoked mid-run) re-authenticates once and repeats the request.
   */
  async request(type: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const send = async (): Promise<HttpAnswer> => {
      const token = await this.currentToken();
      const url = `${this.endpoint(type)}${path}`;
      return this.transport(method, url, { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers, 'x-auth-token': token }, body === undefined ? undefined : JSON.stringify(body), this.ca);
    };
    let a = await send();
    if (a.status === 401) {
      this.token = undefined;
      a = await send();
    }
    return a;
  }

  /**
   * A streamed upload (a Glance image's bytes) with the token; a 401 re-authenticates once and
   * sends again from the start (`open` gives a fresh stream each time).
   */
  async upload(type: string, path: string, open: () => NodeJS.ReadableStream, size: number): Promise<HttpAnswer> {
    const send = async (): Promise<HttpAnswer> =>
      this.streamTransport('PUT', `${this.endpoint(type)}${path}`, { 'content-type': 'application/octet-stream', 'x-auth-token': await this.currentToken() }, open, size, this.ca);
    let a = await send();
    if (a.status === 401) {
      this.token = undefined;
      a = await send();
    }
    return a;
  }
}
