/** A file placed on a host: absolute path, text contents, permission bits. */
export interface HostFile {
  /** Absolute path on the host. */
  path: string;
  /** The contents. */
  contents: string;
  /** Permission bits, e.g. 0o600. */
  mode: number;
}
