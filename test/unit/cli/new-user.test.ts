import { jest } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { nkdBin, runNkd, signalNkd, stateHome } from '../../helpers/cli.js';
import { NKD_VERSION } from '../../../pkg/version.js';
import { clusterFile, NOT_A_BUG, openStateHome, scratch, tree } from './scratch.js';

// The defects of issue 15, one test each, on the built binary: stdout, stderr, exit code and
// the files left behind.
jest.setTimeout(120_000);

const UNREACHABLE_LIBVIRT = 'qemu+tcp://127.0.0.1:1/system';

describe('1. file-system conditions are reported as what they are, never as a bug', () => {
  it('reports a cluster file it may not read as permission denied, with exit code 2', () => {
    const dir = scratch();
    const f = clusterFile(dir);
    chmodSync(f, 0o600); // root's: nobody may not read it
    const r = runNkd(['validate', '-f', f], { asNobody: true, env: { XDG_STATE_HOME: openStateHome() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✗ ${f}: permission denied`);
    expect(r.stderr).toContain('hint: make the file readable by this user');
    expect(r.stderr).not.toMatch(NOT_A_BUG);
  });

  it('reports a file given as --dir before rendering, and writes nothing', () => {
    const dir = scratch();
    const f = clusterFile(dir);
    writeFileSync(join(dir, 'afile'), 'x');
    const r = runNkd(['render', '-f', f, '--dir', 'afile'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✗ --dir afile: is a file, not a directory');
    expect(r.stderr).not.toMatch(NOT_A_BUG);
    expect(tree(dir)).toEqual(['afile', 'cluster.yaml']);
  });

  it('refuses an unwritable --dir before generating any key', () => {
    const dir = scratch();
    const f = clusterFile(dir, (d) => (d.spec.certificates = { keyType: 'rsa-2048' }));
    const env = { XDG_STATE_HOME: openStateHome() };
    let t0 = Date.now();
    runNkd(['validate', '-f', f], { asNobody: true, env });
    const validateMs = Date.now() - t0; // loading and validating only: the machine's pace now
    t0 = Date.now();
    const r = runNkd(['render', '-f', f, '--dir', join(dir, 'out')], { asNobody: true, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✗ --dir ${join(dir, 'out')}: cannot be created: ${dir} is not writable by this user`);
    expect(r.stderr).not.toMatch(NOT_A_BUG);
    expect(Date.now() - t0).toBeLessThan(2 * validateMs + 3000); // fifteen RSA keys take far longer
    expect(tree(dir)).toEqual(['cluster.yaml']);
  });

  it('reports /proc/self/mem, which fails with EIO, as a file it cannot read', () => {
    const r = runNkd(['validate', '-f', '/proc/self/mem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✗ /proc/self/mem: cannot be read (EIO)');
    expect(r.stderr).not.toMatch(NOT_A_BUG);
  });
});

describe('2. a log directory that cannot be created', () => {
  it('still reports the error, without a stack, and says there is no debug log', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'file'), '');
    const env = { HOME: '/nonexistent', XDG_STATE_HOME: join(dir, 'file', 'state') };
    const usage = runNkd(['validate', '-f', join(dir, 'missing.yaml')], { env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing.yaml: no such file');
    expect(usage.stderr).not.toMatch(NOT_A_BUG);
    const f = clusterFile(dir, (d) => (d.spec.libvirt.uri = UNREACHABLE_LIBVIRT));
    const failure = runNkd(['deploy', '-f', f, '--dir', join(dir, 'file', 'c')], { env });
    expect(failure.code).toBe(2); // the --dir is refused first …
    const runtime = runNkd(['deploy', '-f', f, '--dir', join(dir, 'c')], { env });
    expect(runtime.code).toBe(1); // … and libvirt's absence is a runtime failure
    expect(runtime.stderr).toMatch(/• (details: .*nkd\.log|no debug log \(cannot write the debug log .*: ENOTDIR\))/);
    expect(runtime.stderr).not.toMatch(NOT_A_BUG);
  });
});

describe('4. validate refuses what render would refuse', () => {
  const cases: Array<[string, (d: Record<string, any>) => void, string]> = [
    ['an insecure registry that is a path', (d) => (d.spec.containerRuntime = { insecureRegistries: ['../../etc'] }), 'spec.containerRuntime.insecureRegistries[0]: invalid value "../../etc": must be a registry host'],
    ['a mirrored registry name with a quote and a newline', (d) => (d.spec.containerRuntime = { registryMirrors: [{ registry: 'docker.io"\nx', endpoints: ['https://m.example.com'] }] }), 'spec.containerRuntime.registryMirrors[0].registry: invalid value "docker.io\\"\\nx": must be a registry host'],
    ['a VIP interface with a quote and a newline', (d) => (d.spec.kubernetes.controlPlaneEndpoint = { vip: { enabled: true, interface: 'eth0"\nx' }, host: '10.231.0.10' }), 'spec.kubernetes.controlPlaneEndpoint.vip.interface: invalid value "eth0\\"\\nx": must be a network interface name'],
    ['a pre-script path that is a directory', (d) => (d.spec.hooks = { preScripts: [{ name: 'a.sh', path: 'adir' }] }), 'spec.hooks.preScripts[0].path: "adir" is a directory'],
    ['a control-plane node without an ip', (d) => { delete d.spec.nodes[0].ip; d.spec.kubernetes.controlPlaneEndpoint = { host: 'api.example.com' }; }, 'spec.nodes[0].ip: required for control-plane node master-1'],
    ['a pre-script named ..', (d) => (d.spec.hooks = { preScripts: [{ name: '..', content: 'true' }] }), 'spec.hooks.preScripts[0].name: invalid value "..": not a plain file name'],
  ];
  it.each(cases)('refuses %s with exit code 2, naming the field, and renders nothing', (_name, mutate, message) => {
    const dir = scratch();
    mkdirSync(join(dir, 'adir'));
    const f = clusterFile(dir, mutate);
    const v = runNkd(['validate', '-f', f], { cwd: dir });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(message);
    const r = runNkd(['render', '-f', f], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(tree(dir)).toEqual(['adir', 'cluster.yaml']);
  });
});

describe('5. validate refuses what would break at first boot', () => {
  const cases: Array<[string, (d: Record<string, any>) => void, string]> = [
    ['a label key with a space', (d) => (d.spec.nodes[0].labels = { 'bad key!': 'x' }), 'spec.nodes[0].labels: invalid label key "bad key!"'],
    ['a kubelet flag written with its dashes', (d) => (d.spec.nodes[0].kubeletExtraArgs = { '--node-ip': '10.231.0.11' }), 'spec.nodes[0].kubeletExtraArgs: invalid flag name "--node-ip": kubeadm adds the leading "--" itself (fix: write node-ip)'],
    ['an image repository that is not a registry', (d) => (d.spec.kubernetes.imageRepository = 'not a registry!'), 'spec.kubernetes.imageRepository: invalid value "not a registry!": must be a registry host'],
    ['a multicast MAC', (d) => (d.spec.nodes[0].mac = '01:00:5e:00:00:01'), 'spec.nodes[0].mac: invalid value "01:00:5e:00:00:01": a multicast address'],
    ['a malformed release image digest', (d) => (d.spec.os.releaseImage = 'registry.example.com/nestos@sha256:abc'), 'spec.os.releaseImage: invalid value "registry.example.com/nestos@sha256:abc": malformed digest "sha256:abc"'],
    ['a CNI manifest path that does not exist', (d) => (d.spec.kubernetes.cni = { manifest: './cni.yaml' }), 'spec.kubernetes.cni.manifest: no such file "./cni.yaml"'],
    ['a leaf validity longer than the CA', (d) => (d.spec.certificates.caValidityDays = 100), 'spec.certificates.leafValidityDays: invalid value 365: longer than caValidityDays (100)'],
  ];
  it.each(cases)('refuses %s with exit code 2, naming the field', (_name, mutate, message) => {
    const dir = scratch();
    const r = runNkd(['validate', '-f', clusterFile(dir, mutate)], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(NOT_A_BUG);
  });
});

describe('6. commands create no directory just to log into it', () => {
  it('destroy and status on a directory that does not exist create nothing, there or in the current directory', () => {
    const dir = scratch();
    for (const cmd of ['destroy', 'status']) {
      const r = runNkd([cmd, '--dir', join(dir, 'nope')], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`✗ nkd ${cmd}: ${join(dir, 'nope')}: no such directory`);
      const bare = runNkd([cmd], { cwd: dir });
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain(`✗ nkd ${cmd}: which cluster? give --dir <cluster directory> or -f <cluster.yaml>`);
    }
    expect(tree(dir)).toEqual([]);
  });
});

describe('7. nkd operator manifests', () => {
  it('works as the README shows, with the image of this nkd version', () => {
    const r = runNkd(['operator', 'manifests']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: localhost/nkd-operator:${NKD_VERSION}`);
    expect(r.stdout).not.toContain('hub.oepkgs.net');
    const repo = runNkd(['operator', 'manifests', '--image-repository', 'registry.example.com:5000/nestos']);
    expect(repo.code).toBe(0);
    expect(repo.stdout).toContain(`image: registry.example.com:5000/nestos/nkd-operator:${NKD_VERSION}`);
  });

  it('refuses a namespace that is not a DNS label and an image that is not a reference', () => {
    const ns = runNkd(['operator', 'manifests', '--namespace', 'BAD_NS']);
    expect(ns.code).toBe(2);
    expect(ns.stderr).toContain('✗ --namespace: invalid value "BAD_NS": not a DNS label');
    const img = runNkd(['operator', 'manifests', '--image', 'bad image']);
    expect(img.code).toBe(2);
    expect(img.stderr).toContain('✗ --image: invalid value "bad image": not an image reference');
    expect(ns.stdout + img.stdout).toBe('');
  });

  it('warns in validate that the default operator image must be built and pushed', () => {
    const dir = scratch();
    const r = runNkd(['validate', '-f', clusterFile(dir)], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`! ${join(dir, 'cluster.yaml')}:`);
    expect(r.stderr).toContain(`spec.upgradeOperator.image: not set: deploy installs localhost/nkd-operator:${NKD_VERSION}, which nkd does not publish (fix: build and push it with hack/operator-image.sh`);
    const own = runNkd(['validate', '-f', clusterFile(dir, (d) => (d.spec.kubernetes.imageRepository = 'registry.example.com/k8s'))], { cwd: dir });
    expect(own.stderr).toContain(`deploy installs registry.example.com/k8s/nkd-operator:${NKD_VERSION}`);
  });
});

describe('8. deploy --dry-run', () => {
  it('prints an offline plan when libvirt is unreachable, labelled so, and writes nothing', () => {
    const dir = scratch();
    const f = clusterFile(dir, (d) => (d.spec.libvirt.uri = UNREACHABLE_LIBVIRT));
    const r = runNkd(['deploy', '-f', f, '--dry-run'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('! offline plan, not checked against the platform: spec.libvirt.uri: cannot connect to libvirt');
    expect(r.stdout).toMatch(/^\+ create network nkd-demo/m);
    expect(r.stdout).toContain('+ create domain demo-worker-1');
    expect(r.stdout).toContain('plan (libvirt, cluster demo): 9 to create, 0 to update, 0 to adopt, 0 unchanged');
    expect(r.stderr).toContain('dry run: nothing was created or written');
    expect(tree(dir)).toEqual(['cluster.yaml']);
  });
});

describe('9. the parser, links and signals', () => {
  it('reports an unknown option as unknown, not as a missing -f', () => {
    const r = runNkd(['render', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("✗ unknown option '--bogus'");
    expect(r.stderr).not.toContain('-f');
  });

  it('calls a symlink loop a symlink loop', () => {
    const dir = scratch();
    symlinkSync('loop', join(dir, 'loop'));
    const r = runNkd(['validate', '-f', 'loop'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✗ loop: a symbolic link loop');
  });

  it('on SIGTERM says it stops after the current step, never "press again", and exits 130', async () => {
    const dir = scratch();
    const f = clusterFile(dir, (d) => (d.spec.certificates = { keyType: 'rsa-2048' }));
    const r = await signalNkd(['render', '-f', f, '--dir', join(dir, 'c')], 'SIGTERM', /\n/, { cwd: dir });
    expect(r.stderr).toContain('! SIGTERM: stopping after the current step; state is kept, re-run to resume');
    expect(r.stderr).not.toMatch(/press/i);
    expect(r.code).toBe(130);
  });
});

describe('10. a platform that cannot be reached', () => {
  it('exits 1 (a runtime failure, as the README says), naming spec.libvirt.uri and creating no host', () => {
    const dir = scratch();
    const f = clusterFile(dir, (d) => (d.spec.libvirt.uri = UNREACHABLE_LIBVIRT));
    const r = runNkd(['deploy', '-f', f], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`✗ spec.libvirt.uri: cannot connect to libvirt at "${UNREACHABLE_LIBVIRT}"`);
    expect(r.stderr).toContain('hint: start libvirtd (and virtlogd) on that host, or fix spec.libvirt.uri');
    expect(existsSync(join(dir, 'demo', '.nkd', 'journal.json'))).toBe(false);
  });
});

describe('a newcomer', () => {
  it('gets the help on stderr and exit code 2 from nkd without a command', () => {
    const r = runNkd([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: nkd [options] [command]');
    expect(r.stderr).toContain('✗ no command given');
  });

  it('sees the global options, the defaults and examples in the help of every command', () => {
    for (const cmd of ['validate', 'render', 'deploy', 'extend', 'status', 'destroy']) {
      const r = runNkd([cmd, '--help']);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.stdout).toContain('Global Options:');
      expect(r.stdout).toContain('--dir <dir>');
      expect(r.stdout).toMatch(/Examples?:\n( {2}#.*\n)? {2}nkd /);
    }
    const deploy = runNkd(['deploy', '--help']).stdout;
    expect(deploy).toMatch(/--api-timeout <minutes>\s+how long to wait for the API server\s+\(default:\s+"20"\)/);
    expect(deploy).toMatch(/--no-operator\s+do not install the upgrade operator/);
    expect(runNkd(['operator', 'manifests', '--help']).stdout).toMatch(/\(default:\s+"localhost\/nkd-operator:/);
  });

  it('finds with status and destroy the directory render wrote from the same -f, named after the cluster', () => {
    const dir = scratch();
    const f = clusterFile(dir);
    expect(runNkd(['render', '-f', f], { cwd: dir }).code).toBe(0);
    const s = runNkd(['status', '-f', f], { cwd: dir });
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`cluster demo in ${join(dir, 'demo')}`);
    const d = runNkd(['destroy', '-f', f, '--dry-run'], { cwd: dir });
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('destroy would delete 0 resources of cluster demo');
  });

  it('gets a .gitignore that keeps every secret of the render out of git, and a warning saying so', () => {
    const dir = scratch();
    const r = runNkd(['render', '-f', clusterFile(dir), '--dir', 'out'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/commit out\/ to git/);
    expect(r.stderr).toContain('! out/ holds private keys, tokens and kubeconfigs');
    const ignore = readFileSync(join(dir, 'out', '.gitignore'), 'utf8').split('\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as { files: Array<{ path: string; mode: string }> };
    const covered = (p: string) => ignore.some((l) => l === `/${p}` || (l.endsWith('/') && !l.startsWith('#') && `/${p}`.startsWith(l)));
    for (const file of manifest.files) expect({ file: file.path, ignored: covered(file.path) }).toEqual({ file: file.path, ignored: file.mode === '0600' });
  });

  it('is asked before destroy; without a terminal and without --yes destroy refuses and deletes nothing', () => {
    const dir = scratch();
    const f = clusterFile(dir);
    expect(runNkd(['render', '-f', f], { cwd: dir }).code).toBe(0);
    const before = tree(dir);
    const r = runNkd(['destroy', '-f', f], { cwd: dir, input: 'y\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✗ nkd destroy: refusing to destroy cluster demo in ${join(dir, 'demo')} without confirmation: there is no terminal to ask on`);
    expect(r.stderr).toContain('hint: pass --yes to destroy from a script');
    expect(tree(dir)).toEqual(before);
  });

  it('is asked on a terminal before destroy, and an answer other than yes deletes nothing', () => {
    const dir = scratch();
    const f = clusterFile(dir);
    expect(runNkd(['render', '-f', f], { cwd: dir }).code).toBe(0);
    const before = tree(dir);
    // script(1) gives nkd a terminal; it passes the exit code through (-e).
    const r = spawnSync('script', ['-qec', `${process.execPath} ${nkdBin()} destroy -f ${f}`, '/dev/null'], { cwd: dir, input: 'n\n', encoding: 'utf8', env: { ...process.env, XDG_STATE_HOME: stateHome() }, timeout: 60_000 });
    expect(r.stdout).toContain(`? destroy cluster demo in ${join(dir, 'demo')}: delete 0 recorded resources and everything tagged with the cluster? [y/N]`);
    expect(r.stdout).toContain('✗ nkd destroy: not confirmed; nothing was deleted');
    expect(r.status).toBe(2);
    expect(tree(dir)).toEqual(before);
  });

  it('sees warnings with the warning glyph under an error, and counts in the singular', () => {
    const dir = scratch();
    const bad = runNkd(['validate', '-f', clusterFile(dir, (d) => (d.spec.nodes[0].mac = '01:00:5e:00:00:01'))], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^✗ .*cluster\.yaml: 1 error in the cluster file$/m);
    expect(bad.stderr).toMatch(/^ {2}.*spec\.nodes\[0\]\.mac: invalid value/m);
    expect(bad.stderr).toMatch(/^! .*spec\.upgradeOperator\.image: not set/m);
    const ok = runNkd(['validate', '-f', clusterFile(dir)], { cwd: dir });
    expect(ok.stdout).toContain('1 control-plane node + 1 worker node');
  });

  it('is warned about the example placeholder SSH key', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'c.yaml'), runNkd(['template', '--platform', 'libvirt']).stdout);
    const r = runNkd(['validate', '-f', 'c.yaml'], { cwd: dir });
    expect(r.stderr).toMatch(/^! c\.yaml:\d+: spec\.access\.sshAuthorizedKeys: holds the example's placeholder key/m);
  });
});
