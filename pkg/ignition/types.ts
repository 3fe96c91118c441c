/**
 * Typed Ignition configs, specs 3.2.0, 3.3.0 and 3.4.0: the subset nkd writes. Field names
 * and shapes follow the published spec; everything optional is left out rather than null.
 */

/** The spec versions nkd renders (3.2.0 is the default NestOS images accept). */
export const IGNITION_VERSIONS = ['3.2.0', '3.3.0', '3.4.0'] as const;

/** One of {@link IGNITION_VERSIONS}. */
export type IgnitionVersion = (typeof IGNITION_VERSIONS)[number];

/** A remote or inline resource: a data URL, or http(s) with a verification hash. */
export interface Resource {
  /** URL of the contents (`data:`, `http:`, `https:` …). */
  source?: string;
  /** `gzip` when the source is gzip-compressed (3.1.0 and later). */
  compression?: 'gzip';
  /** Hash of the (compressed) contents, `sha512-<hex>` (3.4.0 also `sha256-<hex>`). */
  verification?: { hash?: string };
}

/** The `ignition` section. */
export interface IgnitionSection {
  /** Spec version. */
  version: IgnitionVersion;
  /** Configs to merge into, or replace, this one. */
  config?: { merge?: Resource[]; replace?: Resource };
}

/** A user or group reference of a file, directory or link. */
export interface Owner {
  /** Numeric id. */
  id?: number;
  /** Name (resolved in the target root). */
  name?: string;
}

/** A regular file. */
export interface IgnitionFile {
  /** Absolute path on the host. */
  path: string;
  /** Replace a file that exists (Ignition's default is to fail). */
  overwrite?: boolean;
  /** Permission bits as a decimal number (0o644 → 420). */
  mode?: number;
  /** Owner. */
  user?: Owner;
  /** Group. */
  group?: Owner;
  /** The contents. */
  contents?: Resource;
}

/** A directory. */
export interface IgnitionDirectory {
  /** Absolute path on the host. */
  path: string;
  /** Replace what exists there. */
  overwrite?: boolean;
  /** Permission bits. */
  mode?: number;
  /** Owner. */
  user?: Owner;
  /** Group. */
  group?: Owner;
}

/** A symbolic or hard link. */
export interface IgnitionLink {
  /** Absolute path of the link. */
  path: string;
  /** What it points to. */
  target: string;
  /** Hard link instead of a symbolic one. */
  hard?: boolean;
  /** Replace what exists there. */
  overwrite?: boolean;
}

/** A systemd drop-in of a unit. */
export interface Dropin {
  /** File name, ending in `.conf`. */
  name: string;
  /** The drop-in text. */
  contents: string;
}

/** A systemd unit. */
export interface Unit {
  /** Unit name with its suffix, e.g. `nkd-kubeadm.service`. */
  name: string;
  /** Enable it (through Ignition's preset file). */
  enabled?: boolean;
  /** Mask it. */
  mask?: boolean;
  /** The unit file's text; absent to change only drop-ins or the enable state. */
  contents?: string;
  /** Drop-ins. */
  dropins?: Dropin[];
}

/** A user account. */
export interface User {
  /** Login name. */
  name: string;
  /** crypt(3) password hash. */
  passwordHash?: string;
  /** SSH public keys. */
  sshAuthorizedKeys?: string[];
  /** Supplementary groups. */
  groups?: string[];
  /** Login shell. */
  shell?: string;
}

/** A group. */
export interface Group {
  /** Group name. */
  name: string;
  /** Numeric id. */
  gid?: number;
  /** System group. */
  system?: boolean;
}

/** An Ignition config (spec 3.2.0–3.4.0), as nkd writes it. */
export interface IgnitionConfig {
  /** Metadata: version, merged configs. */
  ignition: IgnitionSection;
  /** Files, directories and links. */
  storage?: { files?: IgnitionFile[]; directories?: IgnitionDirectory[]; links?: IgnitionLink[] };
  /** systemd units. */
  systemd?: { units?: Unit[] };
  /** Users and groups. */
  passwd?: { users?: User[]; groups?: Group[] };
  /** Kernel arguments the host must (not) boot with (spec 3.3.0+; applied with a reboot). */
  kernelArguments?: KernelArguments;
}

/** Kernel arguments section (spec 3.3.0+). */
export interface KernelArguments {
  shouldExist?: string[];
  shouldNotExist?: string[];
}
