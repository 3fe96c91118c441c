/**
 * The size budget of a rendered config against a platform's user-data limit.
 */

/**
 * Nova refuses user_data longer than 65535 bytes once base64-encoded (compute API
 * MAX_USERDATA_SIZE), so the raw config may have at most ⌊65535 / 4⌋ × 3 = 49149 bytes.
 */
export const OPENSTACK_USER_DATA_MAX_RAW = 49149;

/** One config's line in the size report. */
export interface SizeRow {
  /** Node name. */
  name: string;
  /** Bytes of the full config. */
  bytes: number;
  /** The platform's limit, if any. */
  limit?: number;
  /** True when the config exceeds the platform's limit: the platform cannot hand it over. */
  tooBig: boolean;
}

/**
 * Sizes of every node's first config against the platform's limit on it (raw bytes, before
 * the platform's own encoding; none for fw_cfg or a served config), in the order given.
 */
export function sizeReport(limit: number | undefined, configs: Array<{ name: string; bytes: number }>): SizeRow[] {
  return configs.map(({ name, bytes }) => ({ name, bytes, ...(limit === undefined ? {} : { limit }), tooBig: limit !== undefined && bytes > limit }));
}

/** The report as aligned text lines, e.g. `master-1  38.2 KiB  (limit 48.0 KiB)`. */
export function formatSizeReport(rows: SizeRow[]): string[] {
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  return rows.map((r) => {
    const limit = r.limit === undefined ? '' : `  (limit ${kib(r.limit)})`;
    return `${r.name.padEnd(width)}  ${kib(r.bytes).padStart(10)}${limit}${r.tooBig ? '  too big' : ''}`;
  });
}
