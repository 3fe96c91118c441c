import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';

/** A scratch folder that nobody (uid 65534) may read and enter, as the as-nobody runs need. */
export function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'nkd-cli-'));
  chmodSync(d, 0o755);
  return d;
}

/** A folder anyone may write: the XDG_STATE_HOME of runs as nobody. */
export function openStateHome(): string {
  const d = mkdtempSync(join(tmpdir(), 'nkd-state-'));
  chmodSync(d, 0o777);
  return d;
}

/**
 * Writes a valid cluster file (the fixture, ECDSA keys so a render takes a second) after one
 * mutation; returns its path.
 */
export function clusterFile(dir: string, mutate: (d: Record<string, any>) => void = () => {}, name = 'cluster.yaml'): string {
  const doc = validClusterDoc();
  doc.spec.certificates = { keyType: 'ecdsa-p256' };
  mutate(doc);
  const f = join(dir, name);
  writeFileSync(f, toYaml(doc));
  chmodSync(f, 0o644);
  return f;
}

/** Every path under `dir` (files and folders), relative, sorted. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      out.push(relative(dir, p));
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        isDir = false;
      }
      if (isDir) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Output that would betray an unforeseen error: a stack frame, "internal error" or "bug in nkd". */
export const NOT_A_BUG = /internal error|bug in nkd|\n\s+at .*:\d+/;
