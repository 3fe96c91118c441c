import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from '../../harness/controlplane.js';

/** PIDs of live processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

describe('the control-plane harness when kube-apiserver fails', () => {
  const saved = process.env.NKD_CACHE_DIR;
  let cache: string;
  let dir: string;

  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'nkd-broken-cache-'));
    dir = mkdtempSync(join(tmpdir(), 'nkd-broken-cp-'));
    process.env.NKD_CACHE_DIR = cache;
  });

  afterEach(() => {
    if (saved === undefined) delete process.env.NKD_CACHE_DIR;
    else process.env.NKD_CACHE_DIR = saved;
    rmSync(cache, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('reports the apiserver log and leaves no etcd behind', async () => {
    const bin = join(cache, 'kube', '9.9.9');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'kube-apiserver'), '#!/bin/sh\necho "broken apiserver for a test" >&2\nexit 3\n');
    chmodSync(join(bin, 'kube-apiserver'), 0o755);

    await expect(startControlPlane({ version: '9.9.9', dir })).rejects.toThrow(/kube-apiserver exited \(exit code 3\)[\s\S]*broken apiserver for a test/);
    // etcd (real, from Debian) had started with its data under `dir`; it must be gone now.
    expect(processesMentioning(join(dir, 'etcd'))).toEqual([]);
  }, 60_000);
});
