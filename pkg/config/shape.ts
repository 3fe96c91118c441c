import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { allPlatforms, onPlatformsChanged } from '../infra/registry.js';
import { clusterSchemaWith } from './schema.js';
import { pointerToPath, type Problem } from './problems.js';
import { closest } from './suggest.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
  formats: string[],
) => Ajv;

let validator: ValidateFunction | undefined;
// A platform registered later (tests) changes the schema: compile again on next use.
onPlatformsChanged(() => (validator = undefined));

/** The compiled validator (ajv, allErrors, defaults filled in place). */
function compiled(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true, allowUnionTypes: true });
  addFormats(ajv, ['ipv4', 'uri']);
  ajv.addKeyword({ keyword: 'x-filled', schemaType: 'boolean' });
  validator = ajv.compile(clusterSchemaWith(allPlatforms()));
  return validator;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  return String(value);
}

/** Fields that moved (each platform names its own): old path → new path, list indexes as `[]`. The old path is refused with the new one named. */
function moved(path: string): string | undefined {
  const general = path.replace(/\[[0-9]+\]/g, '[]');
  for (const p of allPlatforms()) {
    const to = p.movedFields && Object.hasOwn(p.movedFields, general) ? p.movedFields[general] : undefined;
    if (to) {
      const indexes = path.match(/\[[0-9]+\]/g) ?? [];
      return to.replace(/\[\]/g, () => indexes.shift() ?? '[]');
    }
  }
  return undefined;
}

/** One Problem for one ajv error, in nkd's words. */
function toProblem(e: ErrorObject): Problem {
  const path = pointerToPath(e.instancePath);
  const at = (child: string) => (path ? `${path}.${child}` : child);
  const p: Problem = { severity: 'error', path, message: e.message ?? 'invalid' };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const near = closest(key, allowed);
      p.path = at(key);
      const to = moved(p.path);
      if (to) {
        p.message = `moved to ${to}`;
        p.hint = to.startsWith('spec.network.') ? 'move it there: spec.network holds the node network on every platform' : 'move it there: a platform\'s per-node fields live in the node\'s section of that name';
        break;
      }
      p.message = 'unknown field';
      p.hint = near ? `did you mean "${near}"?` : `remove it; allowed here: ${allowed.join(', ')}`;
      break;
    }
    case 'required':
      p.path = at(String(e.params.missingProperty));
      p.message = 'required field is missing';
      p.hint = `add ${String(e.params.missingProperty)} (see docs/config-reference.md)`;
      break;
    case 'type': {
      p.message = `must be ${String(e.params.type)}, got ${describe(e.data)}`;
      if (e.params.type === 'string' && typeof e.data === 'number') p.hint = `quote it: "${String(e.data)}" (YAML reads ${String(e.data)} as a number)`;
      break;
    }
    case 'enum':
      p.message = `invalid value ${describe(e.data)}`;
      p.hint = `use one of ${(e.params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`;
      {
        const near = typeof e.data === 'string' ? closest(e.data, (e.params.allowedValues as unknown[]).map(String)) : undefined;
        if (near) p.hint = `did you mean "${near}"?`;
      }
      break;
    case 'const':
      p.message = `invalid value ${describe(e.data)}`;
      p.hint = `must be ${String(e.params.allowedValue)}`;
      break;
    case 'pattern':
    case 'format':
      p.message = `invalid value ${describe(e.data)}: ${formatHint(path, e)}`;
      break;
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      p.message = `invalid value ${describe(e.data)}: ${e.message ?? ''}`;
      break;
  }
  return p;
}

function formatHint(path: string, e: ErrorObject): string {
  if (e.keyword === 'format' && e.params.format === 'ipv4') return 'must be an IPv4 address like 10.0.0.11';
  if (e.keyword === 'format' && e.params.format === 'uri') return 'must be a URL like https://host/path';
  const leaf = path.replace(/\[[0-9]+\]/g, '').split('.').pop();
  const byField: Record<string, string> = {
    name: 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit',
    mac: 'must be a MAC address like 52:54:00:12:34:56',
    version: 'must be a version like "1.34.1"',
    serviceSubnet: 'must be an IPv4 network like 10.96.0.0/12',
    podSubnet: 'must be an IPv4 network like 10.244.0.0/16',
    cidr: 'must be an IPv4 network like 192.168.132.0/24',
    apiAllowedCIDRs: 'must be an IPv4 network like 198.51.100.0/24 (0.0.0.0/0: anywhere)',
    sshAllowedCIDRs: 'must be an IPv4 network like 198.51.100.0/24',
    passwordHash: 'must be a crypt(3) hash (e.g. from `openssl passwd -6`), never a plain password',
    sshAuthorizedKeys: 'must be an OpenSSH public key line like "ssh-ed25519 AAAA... user@host"',
    user: 'must be a Linux user name (lower-case, at most 32 characters)',
    bootstrapTokenTTL: 'must be a duration like 24h, 90m or 3600s',
    interface: 'must be a network interface name like eth0 or enp1s0 (at most 15 letters, digits, "_", ".", ":" or "-")',
    imageRepository: 'must be a registry host with an optional port and path, like registry.k8s.io or registry.example.com:5000/k8s',
    registry: 'must be a registry host with an optional port, like docker.io or registry.example.com:5000',
    insecureRegistries: 'must be a registry host with an optional port, like registry.example.com:5000 (no scheme, no path)',
    image: 'must be an image reference like registry.example.com/nkd-operator:0.1.0 (lower-case repository, optional :tag and @sha256:<64 hex>)',
  };
  const key = leaf && byField[leaf] ? leaf : path.includes('sshAuthorizedKeys') ? 'sshAuthorizedKeys' : path.includes('insecureRegistries') ? 'insecureRegistries' : '';
  return byField[key] ?? `must match ${String(e.params.pattern ?? e.params.format)}`;
}

/**
 * Validates the document's shape against the schema, filling defaults in place.
 * Returns every problem at once (ajv allErrors), de-duplicated.
 */
export function validateShape(doc: unknown): Problem[] {
  const validate = compiled();
  if (validate(doc)) return [];
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'if') continue;
    const p = toProblem(e);
    const key = `${p.path}|${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}
