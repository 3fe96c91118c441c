/**
 * Nova user data is each node's first stage (secret-free: any pod reads it from the metadata
 * service). Every node's is checked against Nova's limit before anything is created, so a
 * config too big for one node never leaves half a cluster behind.
 */
import { readFile } from 'node:fs/promises';
import { OPENSTACK_USER_DATA_MAX_RAW } from '../../ignition/size.js';
import { sha512Hex } from '../../ignition/pointer.js';
import { NkdError, ExitCode, usageError } from '../../ui/errors.js';

/** The message for one node whose first stage is over the limit. */
export function userDataTooBig(node: string, bytes: number): string {
  return `node ${node}: its first stage is ${bytes} bytes; Nova takes at most ${OPENSTACK_USER_DATA_MAX_RAW} (65535 once base64-encoded)`;
}

/**
 * Every node's first stage, read and checked: a usage error naming each node over the limit,
 * or a failure when a file changed since render (its SHA-512 differs).
 */
export async function readUserData(nodes: Array<{ name: string; ignitionPath: string; ignitionSha512: string }>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const tooBig: string[] = [];
  for (const n of nodes) {
    const bytes = await readFile(n.ignitionPath).catch((e: NodeJS.ErrnoException) => {
      throw new NkdError(`node ${n.name}: cannot read its first stage ${n.ignitionPath}: ${e.code ?? e.message}`, { code: ExitCode.Usage, hint: 'run nkd render (or deploy) on this cluster directory first' });
    });
    if (n.ignitionSha512 && sha512Hex(bytes) !== n.ignitionSha512) {
      throw new NkdError(`node ${n.name}: ${n.ignitionPath} changed since render`, { hint: 're-run the deploy: it renders again' });
    }
    if (bytes.length > OPENSTACK_USER_DATA_MAX_RAW) tooBig.push(userDataTooBig(n.name, bytes.length));
    out.set(n.name, bytes);
  }
  if (tooBig.length > 0) {
    throw usageError(`${tooBig.length} node${tooBig.length > 1 ? 's\'' : '\'s'} user data would be over Nova's limit; nothing was created`,
      'shrink the first stage (spec.hooks.preScripts and the CAs the cluster file adds go in it), then deploy again', tooBig);
  }
  return out;
}
