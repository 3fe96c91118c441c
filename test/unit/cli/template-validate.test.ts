import { mkdtempSync, readdirSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNkd } from '../../helpers/cli.js';
import { NKD_VERSION } from '../../../pkg/version.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'nkd-cli-'));
}

describe('nkd template and nkd validate (built binary)', () => {
  it.each(['libvirt', 'openstack', 'baremetal'])('writes a %s cluster file with 3 control-plane and 2 worker nodes that validate accepts', (platform) => {
    const dir = scratch();
    const t = runNkd(['template', '--platform', platform, '--control-planes', '3', '--workers', '2'], { cwd: dir });
    expect(t.code).toBe(0);
    expect(t.stderr).toBe('');
    expect(t.stdout.match(/role: control-plane/g)).toHaveLength(3);
    expect(t.stdout.match(/role: worker/g)).toHaveLength(2);
    writeFileSync(join(dir, 'c.yaml'), t.stdout);
    const v = runNkd(['validate', '-f', 'c.yaml'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^c\\.yaml: valid: cluster demo on ${platform}, 3 control-plane nodes \\+ 2 worker nodes, Kubernetes [0-9.]+ \\(4 warnings\\)\\n$`));
    expect(v.stderr).toContain('! c.yaml:');
    expect(v.stderr).toContain('spec.os.releaseImage: the digest is all zeros: a placeholder');
    expect(v.stderr).toContain("spec.access.sshAuthorizedKeys: holds the example's placeholder key");
    expect(v.stderr).toContain('spec.upgradeOperator.image: not set: deploy installs localhost/nkd-operator:');
    expect(v.stderr).toContain('spec.os.cgroupVersion: the hosts boot cgroup v1, which Kubernetes');
    expect(readdirSync(dir)).toEqual(['c.yaml']);
  });

  it('prints every problem with its line and field, exits 2, shows no stack and writes nothing', () => {
    const dir = scratch();
    const good = runNkd(['template', '--platform', 'libvirt', '--control-planes', '1', '--workers', '1'], { cwd: dir }).stdout;
    const bad = good.replace('role: worker', 'role: wroker').replace('ip: 192.168.132.11', 'ip: 192.168.132.311');
    writeFileSync(join(dir, 'bad.yaml'), bad);
    const v = runNkd(['validate', '-f', 'bad.yaml'], { cwd: dir });
    expect(v.code).toBe(2);
    expect(v.stdout).toBe('');
    expect(v.stderr).toContain('✗ bad.yaml: 2 errors in the cluster file');
    expect(v.stderr).toMatch(/bad\.yaml:\d+: spec\.nodes\[0\]\.ip: invalid value "192\.168\.132\.311": must be an IPv4 address/);
    expect(v.stderr).toMatch(/bad\.yaml:\d+: spec\.nodes\[1\]\.role: invalid value "wroker" \(fix: did you mean "worker"\?\)/);
    expect(v.stderr).not.toMatch(/\s+at .*\.js:\d+/);
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('refuses the node network at its old place spec.libvirt.network in validate and render alike: exit 2, the new field named, nothing written', () => {
    const dir = scratch();
    const good = runNkd(['template', '--platform', 'libvirt', '--control-planes', '1', '--workers', '1'], { cwd: dir }).stdout;
    // A cluster file from before spec.network: the cidr under spec.libvirt.network.
    const old = good.replace(/\n {2}network:.*\n {4}cidr: 192\.168\.132\.0\/24\n(?: {4}#.*\n)*/, '\n').replace(/(\n {6}mode: nat.*\n)/, '$1      cidr: 192.168.132.0/24\n');
    expect(old).not.toContain('\n  network:');
    writeFileSync(join(dir, 'old.yaml'), old);
    const line = old.split('\n').findIndex((l) => l === '      cidr: 192.168.132.0/24') + 1;
    const expected = `old.yaml:${line}: spec.libvirt.network.cidr: moved to spec.network.cidr (fix: move it there: spec.network holds the node network on every platform)`;
    for (const args of [['validate', '-f', 'old.yaml'], ['render', '-f', 'old.yaml', '--dir', 'out']]) {
      const r = runNkd(args, { cwd: dir });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain('✗ old.yaml: 1 error in the cluster file');
      expect(r.stderr).toContain(expected);
    }
    expect(readdirSync(dir)).toEqual(['old.yaml']);
  });

  it('explains a missing file, a directory, an empty file and malformed YAML with exit code 2', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'empty.yaml'), '\n  \n');
    writeFileSync(join(dir, 'broken.yaml'), 'spec:\n  nodes: [\n');
    const cases: Array<[string, RegExp]> = [
      ['missing.yaml', /missing\.yaml: no such file/],
      ['sub', /sub: is a directory, not a cluster file/],
      ['empty.yaml', /empty\.yaml: the file is empty/],
      ['broken.yaml', /broken\.yaml:3: malformed YAML/],
    ];
    for (const [file, msg] of cases) {
      const r = runNkd(['validate', '-f', file], { cwd: dir });
      expect({ file, code: r.code }).toEqual({ file, code: 2 });
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/hint: /);
    }
  });

  it('prints a JSON summary with --json', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'c.yaml'), runNkd(['template', '--platform', 'libvirt'], { cwd: dir }).stdout);
    const r = runNkd(['--json', 'validate', '-f', 'c.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, name: 'demo', platform: 'libvirt', controlPlanes: 1, workers: 1 });
  });

  it('prints a JSON error on stdout with --json when the file is invalid', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'c.yaml'), 'apiVersion: x\n');
    const r = runNkd(['--json', 'validate', '-f', 'c.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error.exitCode).toBe(2);
    expect(out.error.details).toContain('c.yaml:1: apiVersion: invalid value "x" (fix: must be nkd.nestos.openeuler.org/v1alpha1)');
  });

  it('applies NKD_* environment and flags over the file, flag first', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'c.yaml'), runNkd(['template', '--platform', 'libvirt'], { cwd: dir }).stdout);
    const env = runNkd(['--json', 'validate', '-f', 'c.yaml'], { cwd: dir, env: { NKD_KUBERNETES_VERSION: '1.33.0' } });
    expect(JSON.parse(env.stdout).kubernetesVersion).toBe('1.33.0');
    const flag = runNkd(['--json', 'validate', '-f', 'c.yaml', '--kubernetes-version', '1.32.1'], { cwd: dir, env: { NKD_KUBERNETES_VERSION: '1.33.0' } });
    expect(JSON.parse(flag.stdout).kubernetesVersion).toBe('1.32.1');
  });

  it('rejects bad flags with exit code 2 and the flag named', () => {
    const dir = scratch();
    const r1 = runNkd(['template', '--platform', 'vmware'], { cwd: dir });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain("option '--platform <platform>' argument 'vmware' is invalid. Allowed choices are libvirt, openstack, baremetal.");
    const r2 = runNkd(['template', '--platform', 'libvirt', '--workers', 'two'], { cwd: dir });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--workers: invalid value "two"');
    const r3 = runNkd(['deploi'], { cwd: dir });
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("unknown command 'deploi'");
    const r4 = runNkd(['--log-level', 'loud', 'version'], { cwd: dir });
    expect(r4.code).toBe(2);
  });

  it('prints its version for --version and version', () => {
    expect(runNkd(['--version']).stdout).toBe(`${NKD_VERSION}\n`);
    const v = runNkd(['--json', 'version']);
    expect(JSON.parse(v.stdout)).toMatchObject({ nkd: NKD_VERSION });
    expect(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version).toBe(NKD_VERSION);
  });

  it('prints a bash completion script naming every command', () => {
    const r = runNkd(['completion', 'bash']);
    expect(r.code).toBe(0);
    for (const c of ['template', 'validate', 'version', 'completion']) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain('complete -o default -F _nkd_complete nkd');
    expect(runNkd(['completion', 'fish']).code).toBe(2);
  });
});
