/**
 * A platform: one module that owns its whole slice of nkd — its part of the cluster file
 * (schema, defaults, semantic checks), its per-node fields, how its nodes receive their boot
 * configs, and (loaded only for deploy, status and destroy) its provider. The registry
 * (registry.ts) maps `spec.platform` to one; no generic code branches on a platform name.
 * See docs/adr/0303-platform-modules-and-boot-delivery.md.
 */
import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import type { Layered } from '../config/layers.js';
import type { Problems } from '../config/problems.js';
import type { Provider } from './types.js';

/** A JSON value as the journal stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object (a platform's settings recorded in the journal). */
export type JsonObject = { [key: string]: JsonValue };

/** A fragment of JSON Schema (the cluster file's dialect, see pkg/config/schema.ts). */
export type SchemaFragment = Readonly<Record<string, unknown>>;

/**
 * How a node gets its config at first boot.
 *
 * - `private`: the whole config through a channel only that node reads (libvirt: QEMU fw_cfg).
 *   The rendered `.ign` is the whole config.
 * - `two-stage`: a first stage without private keys, tokens or kubeconfigs goes where a pod or
 *   a stranger may read it (OpenStack user data, a PXE-served config); it makes Ignition fetch
 *   the node's secret bundle from `secondStageSource` (checked by its SHA-512), which nkd's boot
 *   service hands to that node only, once. The rendered `.ign` is the first stage; the bundle is
 *   a separate file (`ignition/<node>.secret-bundle`).
 */
export type BootDelivery =
  | { kind: 'private'; via: string }
  | {
      kind: 'two-stage';
      /** Where the first stage goes, for messages ("user data", "the iPXE script"). */
      via: string;
      /** Largest first stage (raw bytes) the platform accepts, when it has a limit. */
      firstStageLimit?: number;
      /** The URL Ignition fetches the secret bundle from (known at render time). */
      secondStageSource(config: ClusterConfig, node: ClusterNode): string;
    };

/** The provider half of a platform: its settings, from the cluster file or the journal, and the provider. */
export interface PlatformProvider<S = unknown> {
  /** The provider's settings from a resolved cluster file (throws a usage error if unusable); relative paths resolve against `baseDir`. */
  settings(config: ClusterConfig, baseDir?: string): S;
  /** Settings back from the record its provider's `journalSettings()` wrote; `file` names the journal in errors. */
  fromJournal(recorded: JsonObject, file: string): S;
  /** The provider for these settings. */
  open(settings: S): Provider;
}

/** What `nkd template --platform <name>` writes for the platform. */
export interface PlatformTemplate {
  /** The node network the template's addresses come from. */
  cidr: string;
  /** The comment on the `network:` line. */
  networkNote: string;
  /** Show the (commented) interface and vlan lines. */
  bindingHints: boolean;
  /** Nodes get a mac line with this comment ('' for none); undefined: no mac lines. */
  macNote?: string;
  /** The `spec.<name>` lines (indented two spaces). */
  section(ctx: { name: string; address(n: number): string }): string[];
}

/** One platform (see the file comment). */
export interface Platform<S = unknown> {
  /** The `spec.platform` value, the name of its `spec.<name>` and `nodes[].<name>` sections, and the journal's provider. */
  readonly name: string;
  /** A phrase for docs and messages, e.g. "libvirt (local or remote QEMU/KVM)". */
  readonly description: string;
  /** JSON Schema of `spec.<name>`. */
  readonly schema: SchemaFragment;
  /** JSON Schema of `nodes[].<name>`: the per-node fields this platform adds (flavor, BMC, ...). */
  readonly nodeSchema?: SchemaFragment;
  /** Type names for the generated types: the section's, the node section's, and their nested objects' (pointers relative to each). */
  readonly typeNames: { section: string; node?: string; nested?: Readonly<Record<string, string>>; nodeNested?: Readonly<Record<string, string>> };
  /** Fields that moved out of (or into) the platform's section: old dotted path → new, refused naming the new one. */
  readonly movedFields?: Readonly<Record<string, string>>;
  /** spec.network on this platform: a default cidr when the file has none, or required when a node has an ip. */
  readonly nodeNetwork?: { defaultCidr?: string; requiredForStaticIps?: boolean };
  /** What `nkd template` writes. */
  readonly template?: PlatformTemplate;
  /** Its settings that may also come from a flag or an NKD_* variable (paths under spec.<name>). */
  readonly layered?: readonly Layered[];
  /** True when the platform sizes machines from cpus/memoryMiB/diskGiB (virtual machines). */
  readonly sizedNodes: boolean;
  /**
   * True when nkd reaches the platform's hosts over SSH: render makes each node an SSH host
   * key (in its secret bundle; public keys in auth/known_hosts) so nkd pins it.
   */
  readonly sshHostKeys?: boolean;
  /**
   * The SSH host key a node already has (a host nkd does not install, e.g. an existing bare-metal
   * host), one OpenSSH line: render makes no key for it and known_hosts lists this one.
   */
  ownHostKey?(node: ClusterNode): string | undefined;
  /** Fills the section's derived (`x-filled`) fields after defaults are in. */
  fillDerived?(config: ClusterConfig): void;
  /** Files the section names that deploy reads (field path, path as written): checked by validate like the others. */
  referencedFiles?(config: ClusterConfig): Array<[string, string]>;
  /** Semantic checks of the section (the shape is already valid). */
  validate?(config: ClusterConfig, problems: Problems): void;
  /** How its nodes receive their boot configs. */
  readonly boot: BootDelivery;
  /** The provider half, loaded lazily (render and validate never load it); absent: not deployable yet. */
  readonly provider?: () => Promise<PlatformProvider<S>>;
}
