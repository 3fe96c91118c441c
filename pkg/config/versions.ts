import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

interface VersionsFile {
  supportedMinors: string[];
  testVersions: string[];
}

let cached: VersionsFile | undefined;

/** pkg/versions/kubernetes.json: the one list of supported and tested Kubernetes versions. */
function versions(): VersionsFile {
  cached ??= JSON.parse(readFileSync(join(packageRoot(), 'pkg', 'versions', 'kubernetes.json'), 'utf8')) as VersionsFile;
  return cached;
}

/** Supported Kubernetes minors, newest first ("1.34", …). */
export function supportedKubernetesMinors(): string[] {
  return versions().supportedMinors;
}

/** The version `nkd template` writes: the newest version the tests run against. */
export function defaultKubernetesVersion(): string {
  return versions().testVersions[0]!;
}

/** "v1.34.1" or "1.34.1" → { major, minor, patch }; undefined when malformed. */
export function parseVersion(v: string): { major: number; minor: number; patch: number } | undefined {
  const m = /^v?([0-9]+)\.([0-9]+)\.([0-9]+)$/.exec(v);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** "1.34.1" → "1.34". */
export function minorOf(v: string): string {
  const p = parseVersion(v);
  return p ? `${p.major}.${p.minor}` : v;
}

/** The pause image tag kubeadm of that version expects (its constants.PauseVersion). */
export function pauseTagFor(version: string): string {
  const minor = parseVersion(version)?.minor ?? 0;
  if (minor >= 34) return '3.10.1';
  if (minor >= 31) return '3.10';
  return '3.9';
}
