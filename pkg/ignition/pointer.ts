import { createHash } from 'node:crypto';
import { ExitCode, NkdError } from '../ui/errors.js';
import type { IgnitionConfig, IgnitionVersion } from './types.js';

/** SHA-512 of the exact bytes served, as lower-case hex: the `verification.hash` of a pointer. */
export function sha512Hex(bytes: string | Buffer): string {
  return createHash('sha512').update(bytes).digest('hex');
}

/**
 * A config that makes Ignition fetch another from `url`, check it against `sha512hex` and
 * merge it (the first stage of a two-stage platform merges the node's secret bundle so).
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
