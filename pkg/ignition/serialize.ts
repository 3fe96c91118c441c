import type { IgnitionConfig } from './types.js';

/** Options for {@link serializeIgnition}. */
export interface SerializeOptions {
  /** One line, no indentation: smallest bytes, for user-data. Default: 2-space indented. */
  compact?: boolean;
}

/** Copies a JSON value with every object's keys in sorted order and undefined members dropped. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/**
 * Deterministic JSON of an Ignition config: keys sorted at every level, arrays in the order
 * given, no trailing spaces, one final newline. Same config → same bytes.
 */
export function serializeIgnition(cfg: IgnitionConfig, opts: SerializeOptions = {}): string {
  return JSON.stringify(sortKeys(cfg), null, opts.compact ? undefined : 2) + '\n';
}
