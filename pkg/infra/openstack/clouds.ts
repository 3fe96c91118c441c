/**
 * Where nkd's OpenStack credentials come from, as OpenStack's own tools find them: the cluster
 * file's `spec.openstack` fields, else a `clouds.yaml` entry (spec.openstack.cloud, then
 * OS_CLOUD) with its `secure.yaml` merged over it. Files are searched in openstacksdk's order —
 * OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml,
 * /etc/openstack/clouds.yaml — and the first one that exists is used (secure.yaml likewise,
 * OS_CLIENT_SECURE_FILE first). The password may come from NKD_OPENSTACK_PASSWORD (layered into
 * spec.openstack.password). Nothing here is written anywhere; messages never include a secret.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import type { OpenStackPlatform } from '../../config/types.gen.js';
import { usageError } from '../../ui/errors.js';

/** How nkd authenticates to Keystone v3. */
export type OpenStackMethod =
  | { kind: 'password'; username?: string; userId?: string; password: string; userDomain: { name?: string; id?: string }; project: { name?: string; id?: string }; projectDomain: { name?: string; id?: string } }
  | { kind: 'application-credential'; id?: string; name?: string; username?: string; userDomain?: { name?: string; id?: string }; secret: string };

/** Resolved credentials and endpoint selection. */
export interface OpenStackAuth {
  /** The Keystone v3 URL (ends in /v3). */
  authUrl: string;
  method: OpenStackMethod;
  region?: string;
  /** Which catalog endpoints to use. */
  interface: 'public' | 'internal' | 'admin';
  /** CA bundle file the cloud's certificates are checked against (else the system's). */
  cacert?: string;
  /** Where these credentials came from, for messages ("clouds.yaml entry 'x' in /path"). */
  source: string;
  /** Problems worth a warning (a world-readable file holding a secret). */
  warnings: string[];
}

/** Environment and home directory the search uses (tests give their own). */
export interface CloudsEnv {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  /** The system-wide folder (default /etc/openstack). */
  etc?: string;
}

const defaultEnv = (): CloudsEnv => ({ env: process.env, cwd: process.cwd(), home: homedir() });

/** The files searched, in order, for `name` (clouds.yaml or secure.yaml). */
export function searchPath(name: 'clouds.yaml' | 'secure.yaml', e: CloudsEnv): string[] {
  const own = name === 'clouds.yaml' ? e.env.OS_CLIENT_CONFIG_FILE : e.env.OS_CLIENT_SECURE_FILE;
  return [...(own ? [resolve(e.cwd, own)] : []), join(e.cwd, name), join(e.home, '.config', 'openstack', name), join(e.etc ?? '/etc/openstack', name)];
}

type Doc = Record<string, unknown>;
const isObj = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** The first existing file of `paths`, parsed; undefined when none exists. */
async function firstFile(paths: string[]): Promise<{ file: string; doc: Doc; mode: number } | undefined> {
  for (const file of paths) {
    const st = await stat(file).catch(() => undefined);
    if (!st) continue;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw usageError(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'make it readable by the user running nkd, or point OS_CLIENT_CONFIG_FILE at another file');
    }
    let doc: unknown;
    try {
      doc = yaml.load(text);
    } catch (e) {
      throw usageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'fix the file (it is OpenStack\'s clouds.yaml format: clouds: {NAME: {auth: {...}}})');
    }
    if (!isObj(doc) || !isObj(doc.clouds)) throw usageError(`${file}: has no "clouds:" mapping`, 'write it in OpenStack\'s clouds.yaml format: clouds: {NAME: {auth: {auth_url: ..., ...}}}');
    return { file, doc, mode: st.mode & 0o777 };
  }
  return undefined;
}

/** Deep merge: values of `over` win, mappings merge. */
function merge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(base[k]) ? merge(base[k] as Doc, v) : v;
  return out;
}

/** Keystone's v3 URL from an auth_url with or without the version. */
export function v3Url(url: string, field: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`${field}: invalid value ${JSON.stringify(url)}: not a URL`, 'use the Keystone URL, e.g. https://keystone.example.com:5000/v3');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw usageError(`${field}: invalid value ${JSON.stringify(url)}: must be http(s)`, 'use the Keystone URL, e.g. https://keystone.example.com:5000/v3');
  const path = u.pathname.replace(/\/+$/, '');
  if (/\/v2(\.0)?$/.test(path)) throw usageError(`${field}: ${url} is Keystone's v2 API`, 'nkd speaks Keystone v3: use the same URL ending in /v3');
  u.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  return u.toString().replace(/\/$/, '');
}

/** The credentials of one clouds.yaml entry (secure.yaml merged), with the cluster file's fields over them. */
function fromEntry(entry: Doc, where: string, o: OpenStackPlatform): Omit<OpenStackAuth, 'warnings'> {
  const auth = isObj(entry.auth) ? entry.auth : {};
  const authUrl = o.authURL ?? str(auth.auth_url);
  if (!authUrl) throw usageError(`${where}: auth.auth_url is missing`, 'add auth_url (the Keystone URL) to the entry, or set spec.openstack.authURL');
  const type = str(entry.auth_type) ?? (auth.application_credential_secret !== undefined ? 'v3applicationcredential' : 'password');
  const iface = str(entry.interface) ?? str(entry.endpoint_type) ?? 'public';
  if (!['public', 'internal', 'admin'].includes(iface)) throw usageError(`${where}: interface ${JSON.stringify(iface)} is not public, internal or admin`, 'set interface: public (or internal, admin)');
  if (entry.verify === false) throw usageError(`${where}: verify: false turns off TLS verification of the cloud`, 'give the cloud\'s CA bundle as cacert instead: nkd sends credentials over this connection');
  const common = {
    authUrl: v3Url(authUrl, o.authURL ? 'spec.openstack.authURL' : `${where}: auth.auth_url`),
    region: o.region ?? str(entry.region_name),
    interface: iface as OpenStackAuth['interface'],
    ...(str(entry.cacert) ? { cacert: str(entry.cacert) } : {}),
    source: where,
  };
  if (o.applicationCredential || type === 'v3applicationcredential' || type === 'applicationcredential') {
    const ac = o.applicationCredential;
    const secret = ac?.secret ?? str(auth.application_credential_secret);
    const id = ac?.id ?? str(auth.application_credential_id);
    const name = str(auth.application_credential_name);
    if (!secret) throw usageError(`${where}: auth.application_credential_secret is missing`, 'add it to secure.yaml (kept apart from clouds.yaml), or set spec.openstack.applicationCredential');
    if (!id && !name) throw usageError(`${where}: auth.application_credential_id is missing`, 'add application_credential_id (or application_credential_name with username)');
    return { ...common, method: { kind: 'application-credential', ...(id ? { id } : { name, username: str(auth.username), userDomain: domain(auth, 'user') }), secret } };
  }
  if (type !== 'password' && type !== 'v3password') throw usageError(`${where}: auth_type ${type} is not supported`, 'use password or v3applicationcredential');
  const password = o.password ?? str(auth.password);
  const username = o.username ?? str(auth.username);
  const userId = str(auth.user_id);
  if (!password) throw usageError(`${where}: no password`, 'set NKD_OPENSTACK_PASSWORD, or put auth.password in secure.yaml (mode 0600)');
  if (!username && !userId) throw usageError(`${where}: auth.username is missing`, 'add username (or user_id), or set spec.openstack.username');
  const project = o.project ? { name: o.project } : { ...(str(auth.project_name) ?? str(auth.tenant_name) ? { name: str(auth.project_name) ?? str(auth.tenant_name) } : {}), ...(str(auth.project_id) ?? str(auth.tenant_id) ? { id: str(auth.project_id) ?? str(auth.tenant_id) } : {}) };
  if (!project.name && !project.id) throw usageError(`${where}: auth.project_name is missing`, 'add project_name (or project_id): nkd works in one project and never needs admin rights');
  return {
    ...common,
    method: {
      kind: 'password', ...(username ? { username } : {}), ...(userId ? { userId } : {}), password,
      userDomain: o.userDomain && o.username ? { name: o.userDomain } : domain(auth, 'user'),
      project,
      projectDomain: o.projectDomain && o.project ? { name: o.projectDomain } : domain(auth, 'project'),
    },
  };
}

/** user_domain_* / project_domain_*, else domain_* , else the Default domain. */
function domain(auth: Doc, who: 'user' | 'project'): { name?: string; id?: string } {
  const name = str(auth[`${who}_domain_name`]) ?? str(auth.domain_name);
  const id = str(auth[`${who}_domain_id`]) ?? str(auth.domain_id);
  return name || id ? { ...(name ? { name } : {}), ...(id ? { id } : {}) } : { id: 'default' };
}

/**
 * The credentials for a resolved `spec.openstack`: a clouds.yaml entry when `cloud` (or
 * OS_CLOUD) names one, else the cluster file's own fields. Every problem names the field or
 * file and the fix.
 */
export async function resolveOpenStackAuth(o: OpenStackPlatform, e: CloudsEnv = defaultEnv()): Promise<OpenStackAuth> {
  const cloud = o.cloud ?? (o.authURL ? undefined : str(e.env.OS_CLOUD));
  if (!cloud) {
    if (!o.authURL) throw usageError('spec.openstack.authURL: required field is missing: neither cloud nor authURL is set (nor OS_CLOUD)', 'set cloud (an entry of clouds.yaml) or authURL with credentials');
    return { ...fromEntry({}, 'spec.openstack', o), warnings: [] };
  }
  const field = o.cloud ? 'spec.openstack.cloud' : 'OS_CLOUD';
  const paths = searchPath('clouds.yaml', e);
  const clouds = await firstFile(paths);
  if (!clouds) throw usageError(`${field}: ${cloud}: no clouds.yaml found (looked in ${paths.join(', ')})`, 'write the cloud\'s clouds.yaml to ~/.config/openstack/clouds.yaml (Horizon: API Access → Download OpenStack RC/clouds.yaml), or set OS_CLIENT_CONFIG_FILE');
  const entries = clouds.doc.clouds as Doc;
  const raw = entries[cloud];
  if (!isObj(raw)) {
    throw usageError(`${field}: ${clouds.file} has no cloud named ${JSON.stringify(cloud)} (it has ${Object.keys(entries).join(', ') || 'none'})`, 'use one of those names, or add the entry');
  }
  const secure = await firstFile(searchPath('secure.yaml', e));
  const secureEntry = secure && isObj((secure.doc.clouds as Doc)[cloud]) ? ((secure.doc.clouds as Doc)[cloud] as Doc) : undefined;
  const entry = secureEntry ? merge(raw, secureEntry) : raw;
  const auth = fromEntry(entry, `clouds.yaml entry '${cloud}' in ${clouds.file}`, o);
  const warnings: string[] = [];
  const rawAuth = isObj(raw.auth) ? raw.auth : {};
  if ((rawAuth.password !== undefined || rawAuth.application_credential_secret !== undefined) && (clouds.mode & 0o077) !== 0) {
    warnings.push(`${clouds.file} holds a secret and is readable by others (mode 0${clouds.mode.toString(8)}): chmod 600 it, or move the secret to secure.yaml (mode 0600)`);
  }
  return { ...auth, warnings };
}
