/**
 * The host steps of an upgrade, each idempotent: inspect first, act only when needed.
 * rpm-ostree rebase to the image by digest, kubeadm upgrade apply|node, kubelet restart,
 * reboot, rollback; plus the facts the agent reports (boot ID, booted deployment).
 */
import { mustRun, type HostExecutor } from './executor.js';

/** One rpm-ostree deployment as the agent sees it. */
export interface Deployment { checksum: string; image?: string; booted: boolean; staged: boolean }

/** The transport rpm-ostree uses for container images given by digest. */
const IMAGE_TRANSPORT = 'ostree-unverified-registry:';

/** The container image reference of an rpm-ostree origin, without the transport prefix. */
function imageOf(ref: string | undefined): string | undefined {
  return ref?.replace(/^ostree-[a-z-]+:(docker:\/\/)?/, '');
}

/** The host's current boot ID. */
export async function bootId(exec: HostExecutor): Promise<string> {
  return (await mustRun(exec, ['cat', '/proc/sys/kernel/random/boot_id'])).trim();
}

/** The rpm-ostree deployments (booted, staged, rollback). */
export async function deployments(exec: HostExecutor): Promise<Deployment[]> {
  const out = await mustRun(exec, ['rpm-ostree', 'status', '--json']);
  const j = JSON.parse(out) as { deployments?: { checksum: string; booted?: boolean; staged?: boolean; 'container-image-reference'?: string; origin?: string }[] };
  return (j.deployments ?? []).map((d) => ({
    checksum: d.checksum,
    image: imageOf(d['container-image-reference'] ?? d.origin),
    booted: !!d.booted,
    staged: !!d.staged,
  }));
}

/** The booted deployment. */
export async function booted(exec: HostExecutor): Promise<Deployment | undefined> {
  return (await deployments(exec)).find((d) => d.booted);
}

/** Stages the image (by digest) as the next deployment unless it is already booted or staged. Returns whether a reboot is needed. */
export async function rebase(exec: HostExecutor, image: string): Promise<boolean> {
  const ds = await deployments(exec);
  if (ds.find((d) => d.booted)?.image === image) return false;
  if (ds.some((d) => !d.booted && d.image === image && (d.staged || ds.indexOf(d) === 0))) return true;
  await mustRun(exec, ['rpm-ostree', 'rebase', `${IMAGE_TRANSPORT}${image}`]);
  return true;
}

/**
 * Runs kubeadm upgrade. When an OS change is staged, the kubeadm of the staged deployment is
 * used (on NestOS kubeadm and the kubelet ship in the image), so the control plane is upgraded
 * before the new kubelet boots — the kubelet is never newer than the API server.
 */
export async function kubeadmUpgrade(exec: HostExecutor, action: 'apply' | 'node', version: string, stagedChecksum?: string): Promise<void> {
  let kubeadm = 'kubeadm';
  if (stagedChecksum) {
    kubeadm = `/var/lib/nkd/kubeadm-${version}`;
    await mustRun(exec, ['sh', '-c', 'mkdir -p /var/lib/nkd && ostree cat "$1" /usr/bin/kubeadm > "$2.tmp" && chmod 0755 "$2.tmp" && mv "$2.tmp" "$2"', 'sh', stagedChecksum, kubeadm]);
  }
  // A host that runs cgroup v1 runs its kubelet with failCgroupV1: false (spec.os.cgroupVersion:
  // v1); kubeadm 1.35+ still fails its SystemVerification check there, as at first boot.
  const tolerate = (await cgroupV1(exec)) ? ['--ignore-preflight-errors=SystemVerification'] : [];
  if (action === 'apply') await mustRun(exec, [kubeadm, 'upgrade', 'apply', version, '--yes', ...tolerate]);
  else await mustRun(exec, [kubeadm, 'upgrade', 'node', ...tolerate]);
}

/** Whether the host mounts the legacy (v1) cgroup hierarchy rather than the unified one. */
async function cgroupV1(exec: HostExecutor): Promise<boolean> {
  return (await mustRun(exec, ['stat', '-f', '-c', '%T', '/sys/fs/cgroup'])).trim() !== 'cgroup2fs';
}

/** Restarts the kubelet (used when no reboot follows). */
export async function restartKubelet(exec: HostExecutor): Promise<void> {
  await mustRun(exec, ['systemctl', 'restart', 'kubelet.service']);
}

/** Asks the host to reboot (returns before the host goes down). */
export async function reboot(exec: HostExecutor): Promise<void> {
  await mustRun(exec, ['systemctl', 'reboot']);
}

/** Makes the previous deployment the default for the next boot. */
export async function rollback(exec: HostExecutor): Promise<void> {
  await mustRun(exec, ['rpm-ostree', 'rollback']);
}
