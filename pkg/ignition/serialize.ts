import { canonicalJson } from '../canonical-json.js';
import type { IgnitionConfig } from './types.js';

/** Options for {@link serializeIgnition}. */
export interface SerializeOptions {
  /** One line, no indentation: smallest bytes, for user-data. Default: 2-space indented. */
  compact?: boolean;
}

/**
 * Deterministic JSON of an Ignition config: keys sorted at every level, arrays in the order
 * given, no trailing spaces, one final newline. Same config → same bytes.
 */
export function serializeIgnition(cfg: IgnitionConfig, opts: SerializeOptions = {}): string {
  return canonicalJson(cfg, opts.compact ? undefined : 2) + '\n';
}
