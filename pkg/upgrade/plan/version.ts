/** Kubernetes version parsing and the kubeadm version rules (no minor skip, no downgrade). */

/** A parsed vMAJOR.MINOR.PATCH version. */
interface KubeVersion { major: number; minor: number; patch: number }

/** Parses "v1.30.2" (also "1.30.2" and kubelet strings like "v1.30.2-nestos.1"); undefined if not a version. */
function parseVersion(v: string | undefined): KubeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v ?? '');
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
function compareVersions(a: KubeVersion, b: KubeVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when the kubelet version string is at least the target version. */
export function atLeast(version: string | undefined, target: string): boolean {
  const a = parseVersion(version);
  const b = parseVersion(target);
  return !!a && !!b && compareVersions(a, b) >= 0;
}

const show = (v: KubeVersion) => `v${v.major}.${v.minor}.${v.patch}`;

/**
 * Checks a target against the control plane's current kubelet versions: refuses a change of the
 * major version, a skipped minor version and a downgrade, each with its own message naming the
 * field, what the control plane runs and what to do. Undefined when the target is fine.
 */
export function checkTargetVersion(target: string, controlPlaneVersions: string[]): string | undefined {
  const t = parseVersion(target);
  if (!t) return `spec.kubernetesVersion: invalid value "${target}": expected vMAJOR.MINOR.PATCH`;
  const current = controlPlaneVersions.map(parseVersion).filter((v): v is KubeVersion => !!v);
  if (current.length === 0) return undefined;
  const oldest = current.reduce((a, b) => (compareVersions(a, b) <= 0 ? a : b));
  const newest = current.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
  if (t.major !== oldest.major) {
    return `spec.kubernetesVersion: ${target} changes the major version: the control plane runs ${show(oldest)}; kubeadm upgrades only within major version ${oldest.major}`;
  }
  if (compareVersions(t, newest) < 0) {
    return `spec.kubernetesVersion: ${target} is a downgrade: the control plane runs ${show(newest)}; kubeadm cannot downgrade (use a version >= ${show(newest)})`;
  }
  if (t.minor > oldest.minor + 1) {
    return `spec.kubernetesVersion: ${target} skips a minor version: the control plane runs ${show(oldest)}; upgrade to v${oldest.major}.${oldest.minor + 1}.x first`;
  }
  return undefined;
}
