import { dataUrlResource } from './data-url.js';
import type { IgnitionConfig, IgnitionFile, IgnitionVersion } from './types.js';

/** An empty config of the given spec version. */
export function emptyConfig(version: IgnitionVersion): IgnitionConfig {
  return { ignition: { version } };
}

/**
 * A file with inline contents (shortest data URL, gzip when it pays off), owned by root,
 * overwriting what the image ships at that path.
 */
export function inlineFile(path: string, contents: string | Buffer, mode: number): IgnitionFile {
  return { path, overwrite: true, mode, contents: dataUrlResource(contents) };
}

const byKey = <T>(key: (t: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The config with files, directories and links sorted by path and units and users by name,
 * so the serialized bytes do not depend on assembly order. Returns a new object.
 */
export function normalizeConfig(cfg: IgnitionConfig): IgnitionConfig {
  const out: IgnitionConfig = { ignition: cfg.ignition };
  if (cfg.storage) {
    out.storage = {};
    const path = byKey((x: { path: string }) => x.path);
    if (cfg.storage.files?.length) out.storage.files = [...cfg.storage.files].sort(path);
    if (cfg.storage.directories?.length) out.storage.directories = [...cfg.storage.directories].sort(path);
    if (cfg.storage.links?.length) out.storage.links = [...cfg.storage.links].sort(path);
  }
  const name = byKey((x: { name: string }) => x.name);
  if (cfg.systemd?.units?.length) {
    out.systemd = { units: [...cfg.systemd.units].sort(name).map((u) => (u.dropins ? { ...u, dropins: [...u.dropins].sort(name) } : u)) };
  }
  if (cfg.passwd) {
    out.passwd = {};
    if (cfg.passwd.users?.length) out.passwd.users = [...cfg.passwd.users].sort(name);
    if (cfg.passwd.groups?.length) out.passwd.groups = [...cfg.passwd.groups].sort(name);
  }
  if (cfg.kernelArguments) out.kernelArguments = cfg.kernelArguments;
  return out;
}
