import type { Dropin, IgnitionConfig, Unit } from './types.js';

/** Merges two lists by a key: entries of `over` replace (via `combine`) those of `base` with the same key, new ones are appended. */
function mergeBy<T>(base: T[] | undefined, over: T[] | undefined, key: (t: T) => string, combine: (a: T, b: T) => T = (_a, b) => b): T[] | undefined {
  if (!base?.length) return over?.length ? [...over] : base && [...base];
  if (!over?.length) return [...base];
  const out = [...base];
  const index = new Map(out.map((t, i) => [key(t), i]));
  for (const t of over) {
    const i = index.get(key(t));
    if (i === undefined) {
      index.set(key(t), out.length);
      out.push(t);
    } else out[i] = combine(out[i]!, t);
  }
  return out;
}

function mergeUnit(a: Unit, b: Unit): Unit {
  const dropins = mergeBy<Dropin>(a.dropins, b.dropins, (d) => d.name);
  return { ...a, ...b, ...(dropins ? { dropins } : {}) };
}

function dropEmpty<T extends object>(o: T): T | undefined {
  return Object.values(o).some((v) => v !== undefined) ? o : undefined;
}

/**
 * Merges `overlay` into `base` the way Ignition merges a child config: files, directories
 * and links by path, units by name (drop-ins by name), users and groups by name; the
 * overlay wins on conflicts. The base's `ignition` section (version, merge list) is kept.
 */
export function mergeIgnition(base: IgnitionConfig, overlay: Omit<IgnitionConfig, 'ignition'> & { ignition?: IgnitionConfig['ignition'] }): IgnitionConfig {
  const byPath = (x: { path: string }): string => x.path;
  const byName = (x: { name: string }): string => x.name;
  const storage = dropEmpty({
    files: mergeBy(base.storage?.files, overlay.storage?.files, byPath),
    directories: mergeBy(base.storage?.directories, overlay.storage?.directories, byPath),
    links: mergeBy(base.storage?.links, overlay.storage?.links, byPath),
  });
  const units = mergeBy(base.systemd?.units, overlay.systemd?.units, byName, mergeUnit);
  const passwd = dropEmpty({
    users: mergeBy(base.passwd?.users, overlay.passwd?.users, byName, (a, b) => ({ ...a, ...b })),
    groups: mergeBy(base.passwd?.groups, overlay.passwd?.groups, byName),
  });
  return {
    ignition: base.ignition,
    ...(storage ? { storage } : {}),
    ...(units ? { systemd: { units } } : {}),
    ...(passwd ? { passwd } : {}),
  };
}
