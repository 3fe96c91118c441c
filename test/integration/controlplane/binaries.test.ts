import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeBinary } from '../../harness/binaries.js';
import { startControlPlane } from '../../harness/controlplane.js';
import { uniqueNamespace } from '../../harness/shared.js';
import { kubernetesVersions } from '../../harness/versions.js';

describe('the control-plane harness without built binaries', () => {
  const saved = process.env.NKD_CACHE_DIR;
  let empty: string;

  beforeEach(() => {
    empty = mkdtempSync(join(tmpdir(), 'nkd-empty-cache-'));
    process.env.NKD_CACHE_DIR = empty;
  });

  afterEach(() => {
    if (saved === undefined) delete process.env.NKD_CACHE_DIR;
    else process.env.NKD_CACHE_DIR = saved;
    rmSync(empty, { recursive: true, force: true });
  });

  test('kubeBinary names the install script when a binary is missing', () => {
    expect(() => kubeBinary('kubeadm', '1.37.1')).toThrow(/bash hack\/env\/10-kube\.sh/);
  });

  test('startControlPlane fails (rather than skipping) when kube-apiserver is missing', async () => {
    await expect(startControlPlane()).rejects.toThrow(/kube-apiserver .* is not built/);
  });
});

describe('the Kubernetes version list', () => {
  test('tests the newest supported minor first, and only supported minors, newest first', () => {
    const v = kubernetesVersions();
    const minors = v.testVersions.map((t) => t.split('.').slice(0, 2).join('.'));
    expect(v.testVersions.length).toBeGreaterThanOrEqual(1);
    expect(minors[0]).toBe(v.supportedMinors[0]);
    expect(minors.map((m) => v.supportedMinors.indexOf(m))).toEqual([...minors.map((m) => v.supportedMinors.indexOf(m))].sort((a, b) => a - b));
    expect(minors.every((m) => v.supportedMinors.includes(m))).toBe(true);
    for (const t of v.testVersions) expect(t).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('uniqueNamespace', () => {
  test('returns distinct DNS-1123 labels of at most 63 characters', () => {
    const a = uniqueNamespace('Upgrade Operator/Drain_' + 'x'.repeat(80));
    const b = uniqueNamespace('Upgrade Operator/Drain_' + 'x'.repeat(80));
    expect(a).not.toBe(b);
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });
});
