import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ClusterConfig, ClusterNode, PreScript } from '../config/types.gen.js';
import { ExitCode, NkdError } from '../ui/errors.js';
import { HOST } from '../host/paths.js';
import type { HostFile } from '../host/file.js';
import type { NodeExtras } from './types.js';

/** Where the i-th pre-script lands: numbered so the runner keeps the file's order. */
function preScriptHostPath(index: number, name: string): string {
  return `${HOST.hooksDir}/${String(index + 1).padStart(3, '0')}-${name}`;
}

function checkName(h: PreScript, i: number): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(h.name) || h.name === '.' || h.name === '..') {
    throw new NkdError(`spec.hooks.preScripts[${i}].name: invalid value "${h.name}": not a plain file name`, { code: ExitCode.Usage, hint: 'use letters, digits, ".", "_" and "-"' });
  }
}

/**
 * Reads every pre-script given by path (relative to the cluster file's directory), for
 * {@link NodeExtras.preScriptContents}: render reads them once, assembly stays pure.
 */
export async function readPreScripts(config: ClusterConfig, baseDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [i, h] of config.spec.hooks.preScripts.entries()) {
    if (h.content !== undefined || !h.path) continue;
    const abs = isAbsolute(h.path) ? h.path : resolve(baseDir, h.path);
    try {
      out[h.name] = await readFile(abs, 'utf8');
    } catch (err) {
      throw new NkdError(`spec.hooks.preScripts[${i}].path: cannot read "${h.path}" (${abs})`, { code: ExitCode.Usage, cause: err, hint: 'paths are relative to the cluster file' });
    }
  }
  return out;
}

/** The pre-scripts for this node's role, as executable files under /etc/nkd/hooks. */
export function preScriptFiles(config: ClusterConfig, node: ClusterNode, extras: NodeExtras): HostFile[] {
  const files: HostFile[] = [];
  for (const [i, h] of config.spec.hooks.preScripts.entries()) {
    checkName(h, i);
    if (!h.roles.includes(node.role)) continue;
    let contents = h.content ?? extras.preScriptContents?.[h.name];
    if (contents === undefined && h.path) {
      const abs = isAbsolute(h.path) ? h.path : resolve(extras.baseDir ?? process.cwd(), h.path);
      try {
        contents = readFileSync(abs, 'utf8');
      } catch (err) {
        throw new NkdError(`spec.hooks.preScripts[${i}].path: cannot read "${h.path}" (${abs})`, { code: ExitCode.Usage, cause: err, hint: 'paths are relative to the cluster file' });
      }
    }
    if (contents === undefined) {
      throw new NkdError(`spec.hooks.preScripts[${i}]: needs path or content`, { code: ExitCode.Usage, hint: 'set path to a script file, or content to the script itself' });
    }
    files.push({ path: preScriptHostPath(i, h.name), contents, mode: 0o755 });
  }
  return files;
}
