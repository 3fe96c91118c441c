/**
 * The provider contract shared by libvirt, OpenStack and bare metal: a provider turns the
 * desired hosts into a plan, applies it idempotently while recording every resource in the
 * journal, and destroys from the journal plus a sweep by cluster tag.
 */
import type { Journal } from './journal.js';
import type { JsonObject } from './platform.js';

/** The size of a virtual machine (platforms whose `sizedNodes` is true). */
export interface NodeSize {
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/**
 * One host the cluster needs, as the provider sees it (config rendered). `N` is what the
 * platform adds per node: a size for virtual machines, a flavor, a BMC, an install disk...
 */
export type DesiredNode<N extends object = object> = N & {
  name: string;
  role: 'control-plane' | 'worker';
  ip?: string;
  mac?: string;
  /** Absolute path of the config the platform hands the node first (the whole config, or the first stage). */
  ignitionPath: string;
  /** sha512 of that file (hex): a changed config is re-delivered, an unchanged one is not. */
  ignitionSha512: string;
  /** Two-stage platforms: the node's secret bundle, which the boot service hands over once. */
  secretBundle?: { path: string; sha512: string };
  /** Platforms with sshHostKeys: the node's public SSH host key nkd pins (the one render made, or an existing host's own). */
  sshHostKey?: string;
};

/** Everything a provider needs to know about the cluster. */
export interface DesiredCluster<N extends object = object> {
  /** The cluster id (metadata.name): every resource carries it as its tag. */
  clusterId: string;
  nodes: Array<DesiredNode<N>>;
}

/** What a plan does with one resource. */
export type PlanAction = 'create' | 'adopt' | 'keep' | 'update';

/** One resource in a plan. `keep` = already recorded as ours and matching. */
export interface PlanItem {
  kind: string;
  name: string;
  action: PlanAction;
  /** The node it belongs to, for per-node resources. */
  node?: string;
  /** Why this action (for the printed plan). */
  reason: string;
}

/** What apply would do; printed by deploy and emitted by --json. */
export interface Plan<N extends object = object> {
  provider: string;
  clusterId: string;
  items: PlanItem[];
  /** The desired state the plan was made for (apply works from it). */
  desired: DesiredCluster<N>;
  /** Things that may fail later (e.g. more memory asked for than the host has); printed with the plan. */
  warnings: string[];
  /** Set when the plan was made without asking the platform (dry run, platform unreachable): why. */
  offline?: string;
}

/** A host the provider created or adopted. */
export interface Host {
  name: string;
  role: 'control-plane' | 'worker';
  ip?: string;
  mac?: string;
  /** Where to look when this host does not come up (console log, provider console). */
  diagnostics?: string;
}

/** Where a provider reports progress (a subset of pkg/ui Ui). */
export interface Progress {
  info(msg: string): void;
  ok(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

/** Options of apply and destroy. */
export interface RunOptions {
  progress: Progress;
  /** Stops between resources; what was created stays recorded in the journal. */
  signal?: AbortSignal;
  /** Most resources worked on at once (default 4). */
  concurrency?: number;
}

/** A resource named in a destroy report. */
export interface ResourceRef {
  kind: string;
  name: string;
}

/** What destroy did: deleted, kept (not ours) and remaining (failed after retries). */
export interface DestroyReport {
  deleted: ResourceRef[];
  kept: Array<ResourceRef & { reason: string }>;
  remaining: Array<ResourceRef & { error: string }>;
}

/** A resource as it exists now, for `nkd status`. */
export interface ResourceStatus extends ResourceRef {
  state: string;
  inJournal: boolean;
}

/** A long-running service a provider starts for booting nodes (second stages, PXE scripts). */
export interface BootService {
  /** Where it listens, e.g. http://10.0.0.1:9080. */
  readonly url: string;
  /** The nodes it handed their secret bundle to. */
  served(): string[];
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

/** A provider: plan, apply, destroy (see docs/adr/0300-provider-contract-and-journal.md). */
export interface Provider<N extends object = object> {
  readonly name: string;
  /**
   * What destroy and status need without the cluster file (the settings this provider runs
   * with, as its platform's `fromJournal` reads them back): recorded in the journal, so never
   * a secret.
   */
  journalSettings(): JsonObject;
  /**
   * Checks the platform answers and, for 'deploy', that the inputs exist (image); creates
   * nothing. The journal (deploy) says which resources an earlier run finished.
   */
  preflight(scope?: 'connect' | 'deploy', journal?: Journal): Promise<void>;
  /** What apply would create, without asking the platform (a dry run while it is unreachable). */
  offlinePlan?(desired: DesiredCluster<N>): Plan<N>;
  /** Reads live state; refuses (NkdError Usage) foreign resources before anything is created. */
  plan(desired: DesiredCluster<N>, journal: Journal): Promise<Plan<N>>;
  /**
   * Starts what the nodes need while they boot (two-stage platforms: the secret bundles, once
   * each). The lifecycle starts it before provisioning and stops it once the nodes are Ready.
   * Offers only the nodes this plan creates: a running node took its bundle long ago, and a pod
   * on it replaying its first stage must find nothing (extend, a resumed deploy). Undefined:
   * no host boots from it (e.g. bare-metal hosts reached over SSH alone).
   */
  serve?(plan: Plan<N>, opts: RunOptions): Promise<BootService | undefined>;
  /** Creates what the plan says; idempotent; records each resource before and after. */
  apply(plan: Plan<N>, journal: Journal, opts: RunOptions): Promise<Host[]>;
  /** Deletes the journal's resources, then sweeps by cluster tag; retries; reports. */
  destroy(journal: Journal, opts: RunOptions): Promise<DestroyReport>;
  /** Lists the cluster's live resources (journal and tag). */
  status(journal: Journal): Promise<ResourceStatus[]>;
  /** Releases connections. */
  close(): Promise<void>;
}
