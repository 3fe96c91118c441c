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

/** The image tags kubeadm of one version expects (its constants), from pkg/versions/kubeadm-images.json. */
export interface KubeadmImageTags {
  /** The version whose kubeadm sources the tags were read from. */
  from: string;
  pause: string;
  etcd: string;
  coredns: string;
}

let images: Record<string, Omit<KubeadmImageTags, 'from'>> | undefined;

/**
 * The tags kubeadm of `version` expects, read from kubeadm's own constants by
 * hack/gen-kubeadm-images.sh: the exact version when listed, else the nearest listed patch of
 * the same minor (below it if there is one). Undefined for a minor nkd has no sources of.
 */
export function kubeadmImageTags(version: string): KubeadmImageTags | undefined {
  images ??= (JSON.parse(readFileSync(join(packageRoot(), 'pkg', 'versions', 'kubeadm-images.json'), 'utf8')) as { versions: Record<string, Omit<KubeadmImageTags, 'from'>> }).versions;
  const want = parseVersion(version);
  if (!want) return undefined;
  const same = Object.keys(images)
    .map((v) => ({ v, p: parseVersion(v)! }))
    .filter(({ p }) => p.major === want.major && p.minor === want.minor)
    .sort((a, b) => a.p.patch - b.p.patch);
  const pick = same.filter(({ p }) => p.patch <= want.patch).pop() ?? same[0];
  return pick ? { from: pick.v, ...images[pick.v]! } : undefined;
}

/**
 * The pause image tag kubeadm of that version expects (its constants.PauseVersion). A minor nkd
 * has no sources of is unsupported (validation refuses it); it gets the newest listed tag.
 */
export function pauseTagFor(version: string): string {
  const tags = kubeadmImageTags(version) ?? kubeadmImageTags(defaultKubernetesVersion());
  return tags!.pause;
}
