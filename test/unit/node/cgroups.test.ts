import { kubeadmImageTags, pauseTagFor } from '../../../pkg/config/versions.js';
import { kubeadmDocuments } from '../../../pkg/kubeadm/node-config.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { problemsOf, validClusterConfig } from '../../fixtures/cluster.js';
import { fileText } from '../ignition/decode.js';
import { extrasFor } from './scenarios.js';

const inputs = { token: 'abcdef.0123456789abcdef', caCertHash: 'sha256:' + 'ab'.repeat(32) };

describe('cgroup hierarchy of the hosts', () => {
  test('defaults to v1 with Ignition 3.2.0 (kernel arguments need 3.3.0) and to v2 with 3.3.0 or newer', async () => {
    expect((await validClusterConfig()).spec.os.cgroupVersion).toBe('v1');
    expect((await validClusterConfig((d) => (d.spec.os.ignitionVersion = '3.3.0'))).spec.os.cgroupVersion).toBe('v2');
    expect((await validClusterConfig((d) => (d.spec.os.ignitionVersion = '3.4.0'))).spec.os.cgroupVersion).toBe('v2');
  });

  test('v2 asks Ignition for the unified hierarchy and leaves the kubelet at its defaults', async () => {
    const c = await validClusterConfig((d) => {
      d.spec.os.ignitionVersion = '3.3.0';
      d.spec.kubernetes.version = '1.37.1';
    });
    const m = c.spec.nodes[0]!;
    expect(buildNodeIgnition(c, m, extrasFor(c, m)).kernelArguments).toEqual({
      shouldExist: ['systemd.unified_cgroup_hierarchy=1'],
      shouldNotExist: ['systemd.unified_cgroup_hierarchy=0'],
    });
    const docs = kubeadmDocuments(c, m, inputs) as any[];
    expect(docs.find((d) => d.kind === 'KubeletConfiguration')).not.toHaveProperty('failCgroupV1');
    expect(docs[0].nodeRegistration).not.toHaveProperty('ignorePreflightErrors');
  });

  test('v1 on Kubernetes 1.35+ lets the kubelet start (failCgroupV1: false) and kubeadm pass only its cgroup check, on every node', async () => {
    const c = await validClusterConfig((d) => (d.spec.kubernetes.version = '1.37.1'));
    const [m, w] = c.spec.nodes as [typeof c.spec.nodes[0], typeof c.spec.nodes[0]];
    expect(buildNodeIgnition(c, m, extrasFor(c, m)).kernelArguments).toBeUndefined();
    const init = kubeadmDocuments(c, m, inputs) as any[];
    expect(init.find((d) => d.kind === 'KubeletConfiguration').failCgroupV1).toBe(false);
    expect(init[0].nodeRegistration.ignorePreflightErrors).toEqual(['SystemVerification']);
    expect((kubeadmDocuments(c, w, inputs) as any[])[0].nodeRegistration.ignorePreflightErrors).toEqual(['SystemVerification']);
  });

  test('v1 before Kubernetes 1.35 needs nothing: the kubelet and kubeadm accept cgroup v1 there', async () => {
    const c = await validClusterConfig((d) => (d.spec.kubernetes.version = '1.34.1'));
    const docs = kubeadmDocuments(c, c.spec.nodes[0]!, inputs) as any[];
    expect(docs.find((d) => d.kind === 'KubeletConfiguration')).not.toHaveProperty('failCgroupV1');
    expect(docs[0].nodeRegistration).not.toHaveProperty('ignorePreflightErrors');
  });

  test('validate refuses v2 with Ignition 3.2.0 and warns about v1 on Kubernetes 1.35+', async () => {
    expect(await problemsOf((d) => (d.spec.os.cgroupVersion = 'v2'))).toContain(
      'c.yaml:26: spec.os.cgroupVersion: v2 needs the kernel argument systemd.unified_cgroup_hierarchy=1, which Ignition 3.2.0 cannot set (fix: set spec.os.ignitionVersion: 3.3.0 (or newer), or cgroupVersion: v1)',
    );
    const warnings = await problemsOf((d) => (d.spec.kubernetes.version = '1.37.1'));
    expect(warnings.filter((w) => w.includes('cgroupVersion'))).toEqual([
      "warning: c.yaml:24: spec.os.cgroupVersion: the hosts boot cgroup v1, which Kubernetes 1.37 deprecates: nkd runs the kubelet with failCgroupV1: false and lets kubeadm's preflight pass its cgroup check (SystemVerification) (fix: boot the hosts with cgroup v2: spec.os.ignitionVersion: 3.3.0 (cgroupVersion then defaults to v2))",
    ]);
    expect(await problemsOf((d) => (d.spec.kubernetes.version = '1.34.1'))).not.toContainEqual(expect.stringContaining('cgroupVersion'));
  });
});

describe('containerd in a node that may not lower OOM scores', () => {
  test('restrictOOMScoreAdj clamps OOM score adjustments in containerd\'s CRI plugin', async () => {
    const c = await validClusterConfig((d) => (d.spec.containerRuntime = { restrictOOMScoreAdj: true }));
    const m = c.spec.nodes[0]!;
    expect(fileText(buildNodeIgnition(c, m, extrasFor(c, m)), '/etc/containerd/config.toml')).toContain('[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.10.1"\n  restrict_oom_score_adj = true\n');
    const off = await validClusterConfig();
    expect(fileText(buildNodeIgnition(off, m, extrasFor(off, m)), '/etc/containerd/config.toml')).not.toContain('restrict_oom_score_adj');
  });

  test('validate refuses restrictOOMScoreAdj for a runtime other than containerd', async () => {
    expect(await problemsOf((d) => (d.spec.containerRuntime = { type: 'crio', restrictOOMScoreAdj: true }))).toContain(
      'c.yaml:31: spec.containerRuntime.restrictOOMScoreAdj: only containerd has this setting, the runtime is crio (fix: remove restrictOOMScoreAdj or set containerRuntime.type: containerd)',
    );
  });
});

describe('image tags kubeadm expects', () => {
  test('come from kubeadm\'s constants of that version, or the nearest patch of its minor', () => {
    expect(kubeadmImageTags('1.37.1')).toEqual({ from: '1.37.1', pause: '3.10.2', etcd: '3.7.0-0', coredns: 'v1.14.6' });
    expect(pauseTagFor('1.36.3')).toBe('3.10.2');
    expect(pauseTagFor('1.34.1')).toBe('3.10.1');
    expect(kubeadmImageTags('1.37.9')?.from).toBe('1.37.2');
    expect(kubeadmImageTags('1.30.0')?.from).toBe('1.30.14');
    expect(kubeadmImageTags('1.12.0')).toBeUndefined();
  });
});
