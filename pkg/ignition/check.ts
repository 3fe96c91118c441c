import { ExitCode, NkdError } from '../ui/errors.js';
import { IGNITION_VERSIONS, type IgnitionConfig } from './types.js';

const UNIT_SUFFIX = /\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$/;

/**
 * Problems Ignition would reject a config for (the checks ignition-validate makes on what
 * nkd writes): supported version, absolute unique paths, unit and drop-in names, unique users.
 * Returns one sentence per problem; empty when the config is fine.
 */
export function ignitionProblems(cfg: IgnitionConfig): string[] {
  const out: string[] = [];
  if (!(IGNITION_VERSIONS as readonly string[]).includes(cfg.ignition.version)) {
    out.push(`ignition.version "${cfg.ignition.version}" is not one of ${IGNITION_VERSIONS.join(', ')}`);
  }
  const seen = new Map<string, string>();
  const entries: Array<[string, { path: string }[] | undefined]> = [
    ['storage.files', cfg.storage?.files],
    ['storage.directories', cfg.storage?.directories],
    ['storage.links', cfg.storage?.links],
  ];
  for (const [where, list] of entries) {
    for (const [i, { path }] of (list ?? []).entries()) {
      if (!path.startsWith('/') || /(^|\/)\.\.?(\/|$)/.test(path) || path.includes('//')) out.push(`${where}[${i}].path "${path}" is not a clean absolute path`);
      const prev = seen.get(path);
      if (prev) out.push(`${where}[${i}].path "${path}" is also ${prev}`);
      else seen.set(path, `${where}[${i}]`);
    }
  }
  const hashes: Array<[string, string | undefined]> = [
    ...(cfg.ignition.config?.merge ?? []).map((r, i): [string, string | undefined] => [`ignition.config.merge[${i}]`, r.verification?.hash]),
    ...(cfg.storage?.files ?? []).map((f, i): [string, string | undefined] => [`storage.files[${i}].contents`, f.contents?.verification?.hash]),
  ];
  for (const [where, hash] of hashes) {
    if (hash !== undefined && !/^(sha512-[0-9a-f]{128}|sha256-[0-9a-f]{64})$/.test(hash)) out.push(`${where}.verification.hash "${hash}" is not sha512-<hex> or sha256-<hex>`);
  }
  const units = new Set<string>();
  for (const [i, u] of (cfg.systemd?.units ?? []).entries()) {
    if (!UNIT_SUFFIX.test(u.name) || u.name.includes('/')) out.push(`systemd.units[${i}].name "${u.name}" is not a unit name`);
    if (units.has(u.name)) out.push(`systemd.units[${i}].name "${u.name}" appears twice`);
    units.add(u.name);
    const dropins = new Set<string>();
    for (const [j, d] of (u.dropins ?? []).entries()) {
      if (!/^[^/]+\.conf$/.test(d.name)) out.push(`systemd.units[${i}].dropins[${j}].name "${d.name}" must end in .conf`);
      if (dropins.has(d.name)) out.push(`systemd.units[${i}].dropins[${j}].name "${d.name}" appears twice`);
      dropins.add(d.name);
    }
  }
  if (cfg.kernelArguments && cfg.ignition.version === '3.2.0') out.push('kernelArguments needs spec 3.3.0 or newer, the config is 3.2.0');
  const users = new Set<string>();
  for (const [i, u] of (cfg.passwd?.users ?? []).entries()) {
    if (users.has(u.name)) out.push(`passwd.users[${i}].name "${u.name}" appears twice`);
    users.add(u.name);
  }
  return out;
}

/** Throws an NkdError listing every problem of {@link ignitionProblems}; `what` names the config. */
export function assertValidIgnition(cfg: IgnitionConfig, what: string): void {
  const problems = ignitionProblems(cfg);
  if (problems.length) {
    throw new NkdError(`${what}: the Ignition config would be rejected`, { code: ExitCode.Failure, details: problems, hint: 'this is a bug in nkd or in a value it did not check; please report it' });
  }
}
