/**
 * What nkd applies to a host that already runs (NestOS or a general-purpose Linux) instead of
 * installing it: the node's whole rendered config (first stage merged with its secret bundle,
 * read from the cluster directory, never served), minus what belongs to the host as it is, and
 * which units start the first-boot chain afterwards. Applied over SSH (pkg/infra/ssh).
 *
 * - The host keeps its own SSH host key (nkd pins the one the cluster file gives for it) and
 *   its accounts (nkd logs in as the configured user); both are left out, and said so.
 * - NestOS: the chain starts at nkd-pivot.service, which rebases to the release image and
 *   reboots; pre-hooks and kubeadm follow at the next boot, as on an installed host.
 * - A general-purpose Linux host has no rpm-ostree: the pivot's marker is written (the step is
 *   done by definition) and the chain starts at the pre-hooks and kubeadm. What such a host must
 *   have installed is the preflight's concern (container runtime, kubelet, kubeadm).
 * - The host is already up: what its running services read only when they start (the container
 *   runtime's config, sysctl.d, modules-load.d) is re-read by restarting those services when
 *   the join changed their files ({@link servicesToRestart}); an installed host reads them at
 *   its first boot.
 */
import { percentDataUrl } from '../ignition/data-url.js';
import { mergeIgnition } from '../ignition/merge.js';
import type { IgnitionConfig } from '../ignition/types.js';
import { HOST } from './paths.js';

/** What the host runs now. */
export type ExistingOs = 'nestos' | 'linux';

/** The config to apply to an existing host and how to start its first-boot chain. */
export interface ExistingHostPlan {
  config: IgnitionConfig;
  /** Units to start, in order, once the files are in place. */
  start: string[];
  /** What was left out of the node's config, and why (for the plan and the log). */
  leftOut: string[];
}

const PIVOT_UNIT = 'nkd-pivot.service';
const PREHOOKS_UNIT = 'nkd-prehooks.service';
const KUBEADM_UNIT = 'nkd-kubeadm.service';

/** The node's whole config from its first stage and its secret bundle (the bundle's merge pointer dropped). */
export function wholeConfig(firstStage: IgnitionConfig, bundle: IgnitionConfig): IgnitionConfig {
  const merged = mergeIgnition(firstStage, bundle);
  const { config: _pointer, ...ignition } = merged.ignition;
  return { ...merged, ignition };
}

/** The plan for an existing host running `os` (see the file comment). */
export function existingHostPlan(whole: IgnitionConfig, os: ExistingOs): ExistingHostPlan {
  const leftOut: string[] = [];
  const hostKey = (p: string): boolean => p === HOST.sshHostKey || p === `${HOST.sshHostKey}.pub`;
  const files = (whole.storage?.files ?? []).filter((f) => {
    if (!hostKey(f.path)) return true;
    leftOut.push(`${f.path}: the host keeps its own SSH host key (nkd pins the one the cluster file gives)`);
    return false;
  });
  if (whole.passwd?.users?.length || whole.passwd?.groups?.length) {
    leftOut.push(`users ${(whole.passwd.users ?? []).map((u) => u.name).join(', ')}: the host keeps its own accounts (nkd logs in as the configured SSH user)`);
  }
  if (whole.kernelArguments) leftOut.push('kernel arguments: the host boots with its own (set them yourself if the cluster needs them)');
  const units = whole.systemd?.units ?? [];
  const has = (name: string): boolean => units.some((u) => u.name === name);
  if (os === 'linux') {
    files.push({ path: HOST.pivotMarker, mode: 0o644, overwrite: true, contents: { source: percentDataUrl('a general-purpose Linux host: no rpm-ostree pivot (nkd, existing host)\n') } });
    leftOut.push(`${PIVOT_UNIT}: not run on a general-purpose Linux host (no rpm-ostree); its marker is written`);
  }
  const start = os === 'nestos' ? [PIVOT_UNIT] : [...(has(PREHOOKS_UNIT) ? [PREHOOKS_UNIT] : []), KUBEADM_UNIT];
  for (const u of start) if (!has(u)) throw new Error(`internal: the node's config has no ${u}`);
  const storage = { ...whole.storage, files };
  const { passwd: _passwd, kernelArguments: _kargs, ...rest } = whole;
  return { config: { ...rest, storage }, start, leftOut };
}

/** Files read only when a service starts, and that service: restarted on an existing host when the join changed them. */
const READ_AT_START: ReadonlyArray<{ prefix: string; unit: string }> = [
  { prefix: '/etc/sysctl.d/', unit: 'systemd-sysctl.service' },
  { prefix: '/etc/modules-load.d/', unit: 'systemd-modules-load.service' },
  { prefix: '/etc/containerd/', unit: 'containerd.service' },
  { prefix: '/etc/crio/', unit: 'crio.service' },
  { prefix: '/etc/isulad/', unit: 'isulad.service' },
  { prefix: '/etc/docker/', unit: 'docker.service' },
];

/**
 * The services of a running host to restart (`systemctl try-restart`: only those running) after
 * the join changed `changed` files, in a fixed order: kernel settings and modules before the
 * container runtime.
 */
export function servicesToRestart(changed: readonly string[]): string[] {
  return READ_AT_START.filter((r) => changed.some((p) => p.startsWith(r.prefix))).map((r) => r.unit);
}
