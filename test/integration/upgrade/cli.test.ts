// The built `nkd upgrade` against the real API server, with the operator running on simulated
// nodes: refused specs are never done and exit 1 with the reason; unknown fields are refused with
// their path (strict field validation) on create and on update; the cluster file's 1.37.2 spelling.
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { packageRoot } from '../../../pkg/paths.js';
import { API_VERSION } from '../../../pkg/upgrade/api/vocabulary.js';
import { NEW_IMAGE, type SimCluster } from './sim-cluster.js';
import { newSim } from './setup.js';

jest.setTimeout(180_000);

let sim: SimCluster;
let namespace: string;
let dir: string;
beforeEach(async () => {
  ({ sim, namespace } = await newSim());
  dir = mkdtempSync(join(tmpdir(), 'nkd-upgrade-it-'));
  mkdirSync(join(dir, 'auth'));
  symlinkSync(sim.kubeconfigPath, join(dir, 'auth', 'admin.conf')); // the shared API server as "the cluster"
});
afterEach(async () => { await sim?.stop(); });

/** Runs the built nkd without blocking this process (the operator under test runs in it). */
function nkd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nkd-state-')) };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NKD_') && v !== undefined) env[k] ??= v;
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'cmd', 'nkd', 'main.js'), '--dir', dir, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); }));
}

/** An Upgrade manifest this test's operator picks up (its label and node selector), with `spec` merged in. */
function manifest(name: string, spec: Record<string, unknown>): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, yaml.dump({
    apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name: `${sim.id}-${name}`, labels: sim.selector },
    spec: { nodeSelector: { matchLabels: sim.selector }, healthGate: { settleSeconds: 0 }, ...spec },
  }));
  return path;
}

describe('nkd upgrade against the real API server (built binary)', () => {
  it('never reports a refused spec (a downgrade) as done: Available=False, and nkd upgrade and nkd upgrade status exit 1 with the reason', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    await sim.addNode('w-0');
    await sim.startOperator('op-a', namespace);
    const name = `${sim.id}-down`;
    const run = await nkd(['upgrade', '--from-file', manifest('down', { kubernetesVersion: 'v1.36.0' })]);
    const reason = 'spec.kubernetesVersion: v1.36.0 is a downgrade: the control plane runs v1.36.4; kubeadm cannot downgrade (use a version >= v1.36.4)';
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`✗ Upgrade ${name} is Degraded (InvalidSpec): ${reason}`);
    expect(run.stderr).not.toContain('every node at the target');
    const u = await sim.upgrade(name);
    const byType = Object.fromEntries((u.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.Degraded).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: reason });
    expect(byType.Available).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(byType.Progressing).toMatchObject({ status: 'False', reason: 'InvalidSpec' });

    const status = await nkd(['upgrade', 'status', name]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`${name}: 0/2 done, 0 failed — waiting for a valid spec`);
    expect(status.stderr).toContain(`✗ Upgrade ${name} is Degraded (InvalidSpec): ${reason}`);
  });

  it('says a major-version change is one, not a skipped minor', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    await sim.startOperator('op-a', namespace);
    const run = await nkd(['upgrade', '--from-file', manifest('major', { kubernetesVersion: 'v2.0.0' })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(InvalidSpec): spec.kubernetesVersion: v2.0.0 changes the major version: the control plane runs v1.36.4; kubeadm upgrades only within major version 1');
  });

  it('refuses an unknown field with its path, on create and on update, and changes nothing', async () => {
    await sim.addNode('cp-0', { controlPlane: true });
    const typo = await nkd(['upgrade', '--no-follow', '--from-file', manifest('typo', { osImage: NEW_IMAGE, maxUnavaliable: 3 })]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`✗ creating Upgrade ${sim.id}-typo: the API server refused the Upgrade: 1 unknown field(s)`);
    expect(typo.stderr).toContain('spec.maxUnavaliable: unknown field (not in the Upgrade schema; did you mean spec.maxUnavailable?)');
    await expect(sim.upgrade(`${sim.id}-typo`)).rejects.toMatchObject({ code: 404 });

    const ok = await nkd(['upgrade', '--no-follow', '--from-file', manifest('edit', { osImage: NEW_IMAGE, paused: true, maxUnavailable: 2 })]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`✓ created Upgrade ${sim.id}-edit`);
    const bad = await nkd(['upgrade', '--no-follow', '--from-file', manifest('edit', { osImage: NEW_IMAGE, paused: true, drain: { timeoutSecs: 5 } })]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`✗ updating Upgrade ${sim.id}-edit: the API server refused the Upgrade: 1 unknown field(s)`);
    expect(bad.stderr).toContain('spec.drain.timeoutSecs: unknown field (not in the Upgrade schema; did you mean spec.drain.timeoutSeconds?)');
    expect((await sim.upgrade(`${sim.id}-edit`)).spec.maxUnavailable).toBe(2);

    // a misspelt top-level or metadata field is not dropped by nkd either
    const top = join(dir, 'top.yaml');
    writeFileSync(top, yaml.dump({ apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name: `${sim.id}-edit`, lables: { a: 'b' } }, sepc: { paused: false } }));
    const topRun = await nkd(['upgrade', '--no-follow', '--from-file', top]);
    expect(topRun.code).toBe(2);
    expect(topRun.stderr).toContain('sepc: unknown field (not in the Upgrade schema; did you mean spec?)');
    expect(topRun.stderr).toContain('metadata.lables: unknown field');
    expect((await sim.upgrade(`${sim.id}-edit`)).spec.paused).toBe(true);

    // a good edit of the same file updates it, removing what the file no longer says
    const edit = await nkd(['upgrade', '--no-follow', '--from-file', manifest('edit', { osImage: NEW_IMAGE, paused: true })]);
    expect(edit.code).toBe(0);
    expect(edit.stderr).toContain(`✓ updated Upgrade ${sim.id}-edit`);
    expect((await sim.upgrade(`${sim.id}-edit`)).spec.maxUnavailable).toBe(1); // back to the schema default
  });

  it('takes --kubernetes-version as the cluster file writes it (1.37.2) and stores v1.37.2', async () => {
    const name = `${sim.id}-spelling`;
    const run = await nkd(['upgrade', '--no-follow', '--name', name, '--kubernetes-version', '1.37.2', '--paused']);
    expect(run.code).toBe(0);
    try {
      expect((await sim.upgrade(name)).spec).toMatchObject({ kubernetesVersion: 'v1.37.2', paused: true });
    } finally {
      await sim.custom.deleteClusterCustomObject({ group: 'upgrade.nkd.nestos.openeuler.org', version: 'v1alpha1', plural: 'upgrades', name });
    }
  });
});
