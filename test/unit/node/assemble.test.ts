import fc from 'fast-check';
import { serializeIgnition } from '../../../pkg/ignition/serialize.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { HOST } from '../../../pkg/host/paths.js';
import { needsSuperAdmin } from '../../../pkg/node/vip.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import { haClusterDoc, validClusterConfig } from '../../fixtures/cluster.js';
import { decodeResource, fileMode, fileText } from '../ignition/decode.js';
import { extrasFor, NASTY_SCRIPT } from './scenarios.js';

const ha = (mutate?: (d: Record<string, any>) => void) =>
  validClusterConfig((d) => {
    const h = haClusterDoc();
    d.spec.nodes = h.spec.nodes;
    d.spec.kubernetes.controlPlaneEndpoint = h.spec.kubernetes.controlPlaneEndpoint;
    mutate?.(d);
  });

describe('buildNodeIgnition', () => {
  test('writes the hostname, modules, sysctls and the static address with the platform gateway', async () => {
    const c = await validClusterConfig();
    const m = c.spec.nodes[0]!;
    const cfg = buildNodeIgnition(c, m, extrasFor(c, m));
    expect(cfg.ignition.version).toBe('3.2.0');
    expect(fileText(cfg, '/etc/hostname')).toBe('master-1\n');
    expect(fileText(cfg, '/etc/modules-load.d/nkd-kubernetes.conf')).toContain('overlay\nbr_netfilter\n');
    expect(fileText(cfg, '/etc/sysctl.d/90-nkd-kubernetes.conf')).toContain('net.bridge.bridge-nf-call-iptables = 1\n');
    const nm = fileText(cfg, HOST.networkKeyfile)!;
    expect(nm).toContain('mac-address=52:54:00:00:00:01\n');
    expect(nm).toContain('address1=10.231.0.11/24,10.231.0.1\ndns=10.231.0.1;\n');
    expect(fileMode(cfg, HOST.networkKeyfile)).toBe(0o600);
  });

  test('leaves the network to DHCP when the node has no IP', async () => {
    const c = await validClusterConfig((d) => delete d.spec.nodes[1].ip);
    const w = c.spec.nodes[1]!;
    expect(fileText(buildNodeIgnition(c, w, extrasFor(c, w)), HOST.networkKeyfile)).toBeUndefined();
  });

  test('writes the kubeadm file 0600 and the PKI with its modes on control-plane nodes only', async () => {
    const c = await validClusterConfig();
    const [m, w] = c.spec.nodes as [any, any];
    const cp = buildNodeIgnition(c, m, extrasFor(c, m));
    expect(fileMode(cp, '/etc/nkd/kubeadm.yaml')).toBe(0o600);
    expect(fileText(cp, '/etc/nkd/kubeadm.yaml')).toContain('kind: InitConfiguration');
    expect(fileMode(cp, '/etc/kubernetes/pki/ca.key')).toBe(0o600);
    expect(fileMode(cp, '/etc/kubernetes/pki/ca.crt')).toBe(0o644);
    const worker = buildNodeIgnition(c, w, extrasFor(c, w));
    expect(worker.storage!.files!.filter((f) => f.path.startsWith('/etc/kubernetes/'))).toEqual([]);
  });

  test('configures the runtime and points the kubelet at its socket', async () => {
    const c = await validClusterConfig((d) => (d.spec.containerRuntime = { type: 'crio' }));
    const m = c.spec.nodes[0]!;
    const cfg = buildNodeIgnition(c, m, extrasFor(c, m));
    expect(fileText(cfg, '/etc/crio/crio.conf.d/50-nkd.conf')).toContain(`pause_image = "${c.spec.kubernetes.pauseImage}"`);
    expect(fileText(cfg, '/etc/sysconfig/kubelet')).toContain('KUBELET_EXTRA_ARGS="--container-runtime-endpoint=unix:///var/run/crio/crio.sock --node-ip=10.231.0.11"');
    expect(cfg.systemd!.units!.find((u) => u.name === 'kubelet.service')!.dropins![0]!.contents).toContain('EnvironmentFile=-/etc/sysconfig/kubelet');
    expect(fileText(cfg, HOST.kubeadmScript)).toContain("systemctl enable --now 'crio.service'");
  });

  test('docker gets the cri-dockerd drop-in as a unit drop-in', async () => {
    const c = await validClusterConfig((d) => (d.spec.containerRuntime = { type: 'docker' }));
    const m = c.spec.nodes[0]!;
    const unit = buildNodeIgnition(c, m, extrasFor(c, m)).systemd!.units!.find((u) => u.name === 'cri-docker.service')!;
    expect(unit.dropins![0]!.contents).toContain('--pod-infra-container-image=');
  });

  test('creates the login user with its keys, and a password hash only when one is given', async () => {
    const c = await validClusterConfig();
    const m = c.spec.nodes[0]!;
    expect(buildNodeIgnition(c, m, extrasFor(c, m)).passwd!.users).toEqual([{ name: 'nest', groups: ['wheel'], sshAuthorizedKeys: c.spec.access.sshAuthorizedKeys }]);
    const withPw = await validClusterConfig((d) => (d.spec.access.passwordHash = '$6$abc$def'));
    expect(buildNodeIgnition(withPw, m, extrasFor(withPw, m)).passwd!.users![0]!.passwordHash).toBe('$6$abc$def');
  });

  test('chains pivot → kubeadm with success markers, init on the first control-plane node and join elsewhere', async () => {
    const c = await ha();
    const [m1, m2] = c.spec.nodes as [any, any];
    const init = buildNodeIgnition(c, m1, extrasFor(c, m1));
    const units = Object.fromEntries(init.systemd!.units!.map((u) => [u.name, u]));
    expect(units['nkd-pivot.service']!.enabled).toBe(true);
    expect(units['nkd-pivot.service']!.contents).toContain('ConditionPathExists=!/var/lib/nkd/pivot.done');
    expect(units['nkd-kubeadm.service']!.contents).toContain('ConditionPathExists=/var/lib/nkd/pivot.done\nConditionPathExists=!/var/lib/nkd/kubeadm.done');
    expect(units['nkd-prehooks.service']).toBeUndefined();
    const pivot = fileText(init, HOST.pivotScript)!;
    expect(pivot).toContain(`image='${c.spec.os.releaseImage}'`);
    expect(pivot).toContain('rpm-ostree rebase "$ref"');
    expect(pivot.indexOf('touch "$marker"')).toBeLessThan(pivot.indexOf('rpm-ostree rebase'));
    const script = fileText(init, HOST.kubeadmScript)!;
    expect(script).toContain('kubeadm init --config "$config"');
    expect(script.lastIndexOf('touch "$marker"')).toBeGreaterThan(script.indexOf('kubeadm init'));
    expect(fileText(buildNodeIgnition(c, m2, extrasFor(c, m2)), HOST.kubeadmScript)).toContain('kubeadm join --config "$config"');
  });

  test('kube-vip uses super-admin.conf during init on Kubernetes ≥ 1.29 and admin.conf on joining nodes', async () => {
    const c = await ha();
    const [m1, m2] = c.spec.nodes as [any, any];
    const w = c.spec.nodes[3]!;
    const init = buildNodeIgnition(c, m1, extrasFor(c, m1));
    expect(fileText(init, HOST.kubeVipManifest)).toContain('path: /etc/kubernetes/super-admin.conf');
    expect(fileText(init, HOST.kubeVipManifest)).toContain('value: 10.231.0.10');
    expect(fileText(init, HOST.kubeadmScript)).toContain('sed -i');
    const join = buildNodeIgnition(c, m2, extrasFor(c, m2));
    expect(fileText(join, HOST.kubeVipManifest)).toContain('path: /etc/kubernetes/admin.conf');
    expect(fileText(join, HOST.kubeadmScript)).not.toContain('sed -i');
    expect(fileText(buildNodeIgnition(c, w, extrasFor(c, w)), HOST.kubeVipManifest)).toBeUndefined();
  });

  test.each([
    ['1.28.9', 'init', false],
    ['1.29.0', 'init', true],
    ['1.34.1', 'init', true],
    ['1.34.1', 'join-control-plane', false],
  ] as const)('kube-vip on %s (%s) needs super-admin.conf: %s', (version, action, expected) => {
    expect(needsSuperAdmin(version, action)).toBe(expected);
  });

  test('keepalived runs on every control-plane node, the first with the highest priority and unicast peers', async () => {
    const c = await ha((d) => (d.spec.kubernetes.controlPlaneEndpoint.vip.provider = 'keepalived'));
    const confs = c.spec.nodes.filter((n) => n.role === 'control-plane').map((n) => fileText(buildNodeIgnition(c, n, extrasFor(c, n)), HOST.keepalivedConf)!);
    expect(confs.map((t) => /priority (\d+)/.exec(t)![1])).toEqual(['150', '140', '130']);
    expect(confs[0]).toContain('unicast_src_ip 10.231.0.11\n  unicast_peer {\n    10.231.0.12\n    10.231.0.13\n  }');
    expect(confs[0]).toContain('virtual_ipaddress {\n    10.231.0.10\n  }');
    const m1 = c.spec.nodes[0]!;
    expect(fileText(buildNodeIgnition(c, m1, extrasFor(c, m1)), HOST.kubeadmScript)).toContain("systemctl enable --now 'keepalived.service'");
  });

  test('refuses a VIP interface name that could break a config file, naming the field', async () => {
    // validate refuses it first (schema pattern); this is the node layer's own guard.
    const c = structuredClone(await ha());
    c.spec.kubernetes.controlPlaneEndpoint.vip.interface = 'eth0; rm -rf /';
    const m1 = c.spec.nodes[0]!;
    expect(() => buildNodeIgnition(c, m1, extrasFor(c, m1))).toThrow(NkdError);
    expect(() => buildNodeIgnition(c, m1, extrasFor(c, m1))).toThrow('spec.kubernetes.controlPlaneEndpoint.vip.interface: invalid value');
  });

  test('runs pre-hooks for their roles, in order, before kubeadm', async () => {
    const c = await validClusterConfig((d) => (d.spec.hooks = { preScripts: [{ name: 'a.sh', content: NASTY_SCRIPT }, { name: 'b', content: 'echo w\n', roles: ['worker'] }] }));
    const [m, w] = c.spec.nodes as [any, any];
    const cp = buildNodeIgnition(c, m, extrasFor(c, m));
    expect(fileText(cp, '/etc/nkd/hooks/001-a.sh')).toBe(NASTY_SCRIPT);
    expect(fileMode(cp, '/etc/nkd/hooks/001-a.sh')).toBe(0o755);
    expect(fileText(cp, '/etc/nkd/hooks/002-b')).toBeUndefined();
    expect(cp.systemd!.units!.find((u) => u.name === 'nkd-kubeadm.service')!.contents).toContain('ConditionPathExists=/var/lib/nkd/prehooks.done');
    const wk = buildNodeIgnition(c, w, extrasFor(c, w));
    expect(fileText(wk, '/etc/nkd/hooks/002-b')).toBe('echo w\n');
  });

  test('reads a pre-hook given by path from preScriptContents, or relative to baseDir', async () => {
    const c = await validClusterConfig((d) => (d.spec.hooks = { preScripts: [{ name: 'p.sh', path: 'package.json' }] }));
    const m = c.spec.nodes[0]!;
    expect(fileText(buildNodeIgnition(c, m, { ...extrasFor(c, m), preScriptContents: { 'p.sh': 'echo given\n' } }), '/etc/nkd/hooks/001-p.sh')).toBe('echo given\n');
    expect(fileText(buildNodeIgnition(c, m, { ...extrasFor(c, m), baseDir: process.cwd() }), '/etc/nkd/hooks/001-p.sh')).toContain('"name": "nkd"');
    expect(() => buildNodeIgnition(c, m, { ...extrasFor(c, m), baseDir: '/nonexistent' })).toThrow('spec.hooks.preScripts[0].path: cannot read "package.json"');
  });

  test('any pre-hook content still gives valid JSON whose file decodes to exactly that content', async () => {
    const base = await validClusterConfig();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (content) => {
        const c = { ...base, spec: { ...base.spec, hooks: { preScripts: [{ name: 'x', content, roles: ['control-plane' as const] }], postManifests: [] } } };
        const m = c.spec.nodes[0]!;
        const parsed = JSON.parse(serializeIgnition(buildNodeIgnition(c, m, extrasFor(c, m))));
        const file = parsed.storage.files.find((f: { path: string }) => f.path === '/etc/nkd/hooks/001-x');
        expect(decodeResource(file.contents).toString('utf8')).toBe(content);
      }),
      { numRuns: 150 },
    );
  });

  test('is deterministic: same input, same bytes, whatever the order of extras.files', async () => {
    const c = await ha();
    const m = c.spec.nodes[0]!;
    const e = extrasFor(c, m);
    const a = serializeIgnition(buildNodeIgnition(c, m, e));
    const b = serializeIgnition(buildNodeIgnition(c, m, { ...e, files: [...e.files].reverse() }));
    expect(a).toBe(b);
    expect(a).not.toMatch(/[ \t]$/m);
  });

  test('writes the configured Ignition spec version', async () => {
    for (const v of ['3.3.0', '3.4.0'] as const) {
      const c = await validClusterConfig((d) => (d.spec.os.ignitionVersion = v));
      const m = c.spec.nodes[0]!;
      expect(buildNodeIgnition(c, m, extrasFor(c, m)).ignition.version).toBe(v);
    }
  });
});
