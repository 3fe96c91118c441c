/** Test helper: decodes an Ignition data-URL resource back to its bytes (as Ignition does). */
import { gunzipSync } from 'node:zlib';
import type { IgnitionConfig, Resource } from '../../../pkg/ignition/types.js';

/** The bytes a data-URL resource stands for, decompressed when `compression: gzip`. */
export function decodeResource(r: Resource): Buffer {
  const m = /^data:([^,]*),(.*)$/s.exec(r.source ?? '');
  if (!m) throw new Error(`not a data URL: ${r.source?.slice(0, 40)}`);
  const raw = m[1]!.endsWith(';base64') ? Buffer.from(m[2]!, 'base64') : Buffer.from(m[2]!.replace(/%([0-9A-Fa-f]{2})|[^%]+/g, (s, hex: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : s)), 'latin1');
  return r.compression === 'gzip' ? gunzipSync(raw) : raw;
}

/** The text of the file at `path` in a config, or undefined. */
export function fileText(cfg: IgnitionConfig, path: string): string | undefined {
  const f = cfg.storage?.files?.find((x) => x.path === path);
  return f?.contents ? decodeResource(f.contents).toString('utf8') : undefined;
}

/** The mode of the file at `path`, or undefined. */
export function fileMode(cfg: IgnitionConfig, path: string): number | undefined {
  return cfg.storage?.files?.find((x) => x.path === path)?.mode;
}
