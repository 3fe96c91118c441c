import { createHash } from 'node:crypto';
import { ExitCode, NkdError } from '../ui/errors.js';
import { serializeIgnition } from './serialize.js';
import { userDataLimit } from './size.js';
import type { IgnitionConfig, IgnitionVersion } from './types.js';

/** SHA-512 of the exact bytes served, as lower-case hex: the `verification.hash` of a pointer. */
export function sha512Hex(bytes: string | Buffer): string {
  return createHash('sha512').update(bytes).digest('hex');
}

/**
 * A small config that makes Ignition fetch the full one from `url`, check it against
 * `sha512hex` and merge it: what goes into user-data when the full config is too big.
 */
export function pointerConfig(version: IgnitionVersion, url: string, sha512hex: string): IgnitionConfig {
  if (!/^[0-9a-f]{128}$/.test(sha512hex)) {
    throw new NkdError(`pointer config for ${url}: "${sha512hex}" is not a SHA-512 hex digest`, {
      code: ExitCode.Usage,
      hint: 'pass the 128 lower-case hex characters of sha512(served bytes)',
    });
  }
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new NkdError(`pointer config: "${url}" is not a URL`, { code: ExitCode.Usage, hint: 'use an http:// or https:// URL the node can reach' });
  }
  if (scheme !== 'http:' && scheme !== 'https:' && scheme !== 'tftp:') {
    throw new NkdError(`pointer config: "${url}" has scheme ${scheme}; Ignition fetches merged configs over http, https or tftp here`, {
      code: ExitCode.Usage,
      hint: 'serve the full config over http(s)',
    });
  }
  return { ignition: { version, config: { merge: [{ source: url, verification: { hash: `sha512-${sha512hex}` } }] } } };
}

/** What goes into a node's user-data: the full config, or a pointer to where it is served. */
export interface UserData {
  /** The bytes to send as user-data. */
  text: string;
  /** True when `text` is a pointer config. */
  pointer: boolean;
}

/**
 * The full config when it fits the platform's user-data limit, else a compact pointer config
 * that merges it from `url()` (called only then) with its SHA-512.
 */
export function userDataFor(opts: { platform: string; version: IgnitionVersion; full: string; url: () => string }): UserData {
  const limit = userDataLimit(opts.platform);
  if (limit === undefined || Buffer.byteLength(opts.full) <= limit) return { text: opts.full, pointer: false };
  return { text: serializeIgnition(pointerConfig(opts.version, opts.url(), sha512Hex(opts.full)), { compact: true }), pointer: true };
}
