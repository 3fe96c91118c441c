/**
 * The layout of a cluster directory: the one place that spells its paths. Everything else asks
 * here — render writes these files, deploy/status/destroy/upgrade read them.
 *
 * ```
 * manifest.json            every rendered file with its hash and mode
 * auth/admin.conf          the admin kubeconfig (0600); auth/super-admin.conf (kubeadm ≥ 1.29, nkd leaves)
 * auth/bootstrap-token     the join token (0600)
 * pki/…                    CAs and leaf certificates (keys 0600)
 * kubeadm/<node>.yaml      each node's kubeadm configuration (0600: it holds the token)
 * ignition/<node>.ign      what the platform hands the node first (whole config or first stage)
 * ignition/<node>.secret-bundle   two-stage platforms: the node's secrets, served once (0600)
 * .nkd/state.json          what each asset was made from (safe to commit)
 * .nkd/journal.json        every resource the provider created, and completed phases
 * .nkd/nkd.log             the debug log of commands run on this directory
 * .nkd/staging, .nkd/commit.json   a render's staged files and commit record while it commits
 * .gitignore               keeps every secret above out of git
 * ```
 */
import { join } from 'node:path';

/** Paths relative to the cluster directory. */
export const CLUSTER_PATHS = {
  manifest: 'manifest.json',
  auth: 'auth',
  adminKubeconfig: 'auth/admin.conf',
  superAdminKubeconfig: 'auth/super-admin.conf',
  bootstrapToken: 'auth/bootstrap-token',
  pki: 'pki',
  kubeadm: 'kubeadm',
  ignition: 'ignition',
  /** Bare metal: configuration for the site's DHCP server (docs/adr/0304). */
  boot: 'boot',
  dnsmasq: 'boot/dnsmasq.conf',
  iscDhcpd: 'boot/dhcpd.conf',
  internal: '.nkd',
  state: '.nkd/state.json',
  journal: '.nkd/journal.json',
  log: '.nkd/nkd.log',
  /** render's staged files and commit record (docs/adr/0401). */
  staging: '.nkd/staging',
  commitRecord: '.nkd/commit.json',
  gitignore: '.gitignore',
} as const;

/** The top-level folders render owns (and may prune). */
export const RENDERED_FOLDERS = [CLUSTER_PATHS.pki, CLUSTER_PATHS.auth, CLUSTER_PATHS.ignition, CLUSTER_PATHS.kubeadm, CLUSTER_PATHS.boot] as const;

/** A node's Ignition config (what its platform hands it first), relative. */
export const nodeIgnitionPath = (node: string): string => `${CLUSTER_PATHS.ignition}/${node}.ign`;
/** A node's secret bundle (two-stage platforms), relative; not `.ign`: it is never handed over as a first config. */
export const nodeSecretBundlePath = (node: string): string => `${CLUSTER_PATHS.ignition}/${node}.secret-bundle`;
/** A node's kubeadm configuration, relative. */
export const nodeKubeadmPath = (node: string): string => `${CLUSTER_PATHS.kubeadm}/${node}.yaml`;

/** A cluster directory by its absolute root. */
export class ClusterDir {
  constructor(readonly root: string) {}

  /** Absolute path of a relative one. */
  path(relative: string): string {
    return join(this.root, relative);
  }
  get journal(): string {
    return this.path(CLUSTER_PATHS.journal);
  }
  get state(): string {
    return this.path(CLUSTER_PATHS.state);
  }
  get internal(): string {
    return this.path(CLUSTER_PATHS.internal);
  }
  get log(): string {
    return this.path(CLUSTER_PATHS.log);
  }
  get adminKubeconfig(): string {
    return this.path(CLUSTER_PATHS.adminKubeconfig);
  }
  get bootstrapToken(): string {
    return this.path(CLUSTER_PATHS.bootstrapToken);
  }
  get pki(): string {
    return this.path(CLUSTER_PATHS.pki);
  }
  nodeIgnition(node: string): string {
    return this.path(nodeIgnitionPath(node));
  }
}
