import type { ContainerRuntimeSpec } from '../config/types.gen.js';
import { ExitCode, NkdError } from '../ui/errors.js';

/** One registry's mirrors and insecure flag, merged from registryMirrors and insecureRegistries. */
export interface RegistryHosts {
  /** Registry host[:port], e.g. docker.io. */
  registry: string;
  /** Mirror URLs, in the order tried. */
  mirrors: string[];
  /** Reached over plain HTTP or without TLS verification. */
  insecure: boolean;
}

const REGISTRY = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;

/** The real endpoint of a registry name (docker.io is served by registry-1.docker.io). */
export function registryServer(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

/** A mirror URL without its scheme (CRI-O, iSulad want host[/path]). */
export function withoutScheme(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

/**
 * The registries the runtime must know about, sorted by name, with their mirrors; checks
 * every name and URL so that nothing unexpected lands in a config file.
 */
export function registryHosts(spec: ContainerRuntimeSpec): RegistryHosts[] {
  const map = new Map<string, RegistryHosts>();
  const get = (registry: string): RegistryHosts => {
    let r = map.get(registry);
    if (!r) map.set(registry, (r = { registry, mirrors: [], insecure: false }));
    return r;
  };
  spec.registryMirrors.forEach((m, i) => {
    const field = `spec.containerRuntime.registryMirrors[${i}]`;
    if (!REGISTRY.test(m.registry)) {
      throw new NkdError(`${field}.registry: invalid value "${m.registry}": not a registry host[:port]`, { code: ExitCode.Usage, hint: 'write the registry host, e.g. docker.io or registry.example.com:5000' });
    }
    m.endpoints.forEach((e, j) => {
      let u: URL | undefined;
      try {
        u = new URL(e);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || /[\s"'\\]/.test(e)) {
        throw new NkdError(`${field}.endpoints[${j}]: invalid value "${e}": not an http(s) URL`, { code: ExitCode.Usage, hint: 'write the mirror as https://host[:port][/path]' });
      }
    });
    get(m.registry).mirrors.push(...m.endpoints.map((e) => e.replace(/\/+$/, '')));
  });
  spec.insecureRegistries.forEach((r, i) => {
    if (!REGISTRY.test(r)) {
      throw new NkdError(`spec.containerRuntime.insecureRegistries[${i}]: invalid value "${r}": not a registry host[:port]`, { code: ExitCode.Usage, hint: 'write the registry host without a scheme' });
    }
    get(r).insecure = true;
  });
  return [...map.values()].sort((a, b) => (a.registry < b.registry ? -1 : a.registry > b.registry ? 1 : 0));
}
