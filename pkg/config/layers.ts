/**
 * Settings that can come from a flag or an NKD_* environment variable as well as the file.
 * Precedence: flag > environment > file > default. Applied to the raw document before
 * validation, so a bad flag or variable is reported like a bad field, naming its source.
 */
import { allPlatforms } from '../infra/registry.js';

/** One layered setting. */
export interface Layered {
  /** Path in the document, as keys from the root. */
  path: string[];
  /** Long flag name without dashes (commander's camelCase key is derived). */
  flag?: string;
  /** Environment variable. */
  env: string;
  /** How the text is converted. */
  type: 'string' | 'boolean';
  description: string;
}

/** The layered settings of every cluster file; each platform adds its own (Platform.layered). */
const CORE: Layered[] = [
  { path: ['spec', 'kubernetes', 'version'], flag: 'kubernetes-version', env: 'NKD_KUBERNETES_VERSION', type: 'string', description: 'Kubernetes version (spec.kubernetes.version)' },
  { path: ['spec', 'os', 'releaseImage'], flag: 'release-image', env: 'NKD_RELEASE_IMAGE', type: 'string', description: 'NestOS release image by digest (spec.os.releaseImage)' },
  { path: ['spec', 'os', 'ignitionVersion'], flag: 'ignition-version', env: 'NKD_IGNITION_VERSION', type: 'string', description: 'Ignition spec version (spec.os.ignitionVersion)' },
  { path: ['spec', 'kubernetes', 'imageRepository'], flag: 'image-repository', env: 'NKD_IMAGE_REPOSITORY', type: 'string', description: 'control-plane image registry (spec.kubernetes.imageRepository)' },
  { path: ['spec', 'kubernetes', 'cni', 'manifest'], flag: 'cni-manifest', env: 'NKD_CNI_MANIFEST', type: 'string', description: 'CNI manifest path or URL (spec.kubernetes.cni.manifest)' },
  { path: ['spec', 'containerRuntime', 'type'], flag: 'container-runtime', env: 'NKD_CONTAINER_RUNTIME', type: 'string', description: 'container runtime (spec.containerRuntime.type)' },
  { path: ['spec', 'upgradeOperator', 'enabled'], flag: 'operator', env: 'NKD_UPGRADE_OPERATOR', type: 'boolean', description: 'install the upgrade operator (spec.upgradeOperator.enabled)' },
];

/** Every layered setting, the core's then each platform's; commands that read a cluster file offer these flags. */
export function layeredSettings(): Layered[] {
  return [...CORE, ...allPlatforms().flatMap((p) => p.layered ?? [])];
}

/** commander's option key for a flag: "kubernetes-version" → "kubernetesVersion". */
function flagKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function convert(l: Layered, raw: string | boolean): unknown {
  if (l.type === 'boolean' && typeof raw === 'string') {
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    return raw; // left as text: validation reports it, naming the source
  }
  return raw;
}

/**
 * Applies flags and environment over the document in place. Returns the source of each
 * overridden pointer ("/spec/kubernetes/version" → "flag --kubernetes-version").
 */
export function applyLayers(
  doc: Record<string, unknown>,
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Map<string, string> {
  const sources = new Map<string, string>();
  const platform = (doc.spec as { platform?: unknown } | undefined)?.platform;
  const platformSections = new Set(allPlatforms().map((p) => p.name));
  for (const l of layeredSettings()) {
    const section = l.path[1]!;
    // A platform's settings apply only when it is the cluster's platform.
    if (platformSections.has(section) && platform !== section) continue;
    const fromFlag = l.flag ? flags[flagKey(l.flag)] : undefined;
    const fromEnv = env[l.env];
    let value: unknown;
    let source: string;
    if (fromFlag !== undefined) {
      value = convert(l, fromFlag as string | boolean);
      source = `flag --${l.flag}`;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      value = convert(l, fromEnv);
      source = `env ${l.env}`;
    } else continue;
    let node = doc;
    for (const key of l.path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) break; // shape error reported by validation
      node = node[key] as Record<string, unknown>;
    }
    node[l.path[l.path.length - 1]!] = value;
    sources.set('/' + l.path.join('/'), source);
  }
  return sources;
}
