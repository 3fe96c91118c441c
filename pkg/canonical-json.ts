/**
 * Canonical JSON: every object's keys in sorted order, undefined members dropped, arrays in
 * their order. Same value → same bytes, whatever order its keys were built or decoded in (the
 * render store, Ignition files, and the operator's "did the status change" test use it).
 */

/** Copies a JSON value with every object's keys sorted and undefined members dropped. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** The canonical JSON text of a value (`indent` spaces, or one line). */
export function canonicalJson(v: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(v), null, indent);
}
