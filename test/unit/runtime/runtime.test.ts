import type { ContainerRuntimeSpec } from '../../../pkg/config/types.gen.js';
import { containerdConfigToml, containerdHostsToml } from '../../../pkg/runtime/containerd.js';
import { crioDropin, registriesConf } from '../../../pkg/runtime/crio.js';
import { criDockerdDropin, dockerDaemonJson } from '../../../pkg/runtime/docker.js';
import { crictlYaml, criSocket, kubeletRuntimeArgs } from '../../../pkg/runtime/endpoints.js';
import { isuladDaemonJson } from '../../../pkg/runtime/isulad.js';
import { registryHosts } from '../../../pkg/runtime/registries.js';
import { runtimeSetup } from '../../../pkg/runtime/setup.js';
import { NkdError } from '../../../pkg/ui/errors.js';

const PAUSE = 'registry.k8s.io/pause:3.10';
const spec = (over: Partial<ContainerRuntimeSpec> = {}): ContainerRuntimeSpec => ({
  type: 'containerd',
  registryMirrors: [
    { registry: 'docker.io', endpoints: ['https://mirror.example.com/', 'http://10.231.0.5:5000/hub'] },
    { registry: 'quay.io', endpoints: ['https://quay-mirror.example.com'] },
  ],
  insecureRegistries: ['registry.internal:5000'],
  restrictOOMScoreAdj: false,
  ...over,
});

describe('registry hosts', () => {
  test('merges mirrors and insecure registries per registry, sorted by name', () => {
    expect(registryHosts(spec())).toEqual([
      { registry: 'docker.io', mirrors: ['https://mirror.example.com', 'http://10.231.0.5:5000/hub'], insecure: false },
      { registry: 'quay.io', mirrors: ['https://quay-mirror.example.com'], insecure: false },
      { registry: 'registry.internal:5000', mirrors: [], insecure: true },
    ]);
  });

  test('refuses a registry name or mirror URL that could break a config file, naming the field', () => {
    expect(() => registryHosts(spec({ registryMirrors: [{ registry: 'docker.io"\n[x]', endpoints: ['https://m'] }] }))).toThrow('spec.containerRuntime.registryMirrors[0].registry: invalid value');
    expect(() => registryHosts(spec({ registryMirrors: [{ registry: 'docker.io', endpoints: ['ftp://m'] }] }))).toThrow('spec.containerRuntime.registryMirrors[0].endpoints[0]: invalid value "ftp://m": not an http(s) URL');
    expect(() => registryHosts(spec({ insecureRegistries: ['http://x'] }))).toThrow(NkdError);
  });
});

describe('containerd', () => {
  test('config.toml v2 sets the sandbox image, systemd cgroups and certs.d', () => {
    const t = containerdConfigToml(PAUSE, 2);
    expect(t).toMatch(/^version = 2$/m);
    expect(t).toContain(`[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "${PAUSE}"`);
    expect(t).toContain('SystemdCgroup = true');
    expect(t).toContain('config_path = "/etc/containerd/certs.d"');
  });

  test('config.toml v3 uses the containerd 2.x plugin names', () => {
    const t = containerdConfigToml(PAUSE, 3);
    expect(t).toMatch(/^version = 3$/m);
    expect(t).toContain(`[plugins.'io.containerd.cri.v1.images'.pinned_images]\n  sandbox = "${PAUSE}"`);
    expect(t).toContain(`[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = true`);
  });

  test('hosts.toml lists the mirrors in order before the upstream server', () => {
    const [docker, , insecure] = registryHosts(spec());
    expect(containerdHostsToml(docker!)).toBe(
      '# Written by nkd: how containerd reaches docker.io.\nserver = "https://registry-1.docker.io"\n\n' +
        '[host."https://mirror.example.com"]\n  capabilities = ["pull", "resolve"]\n\n' +
        '[host."http://10.231.0.5:5000/hub"]\n  capabilities = ["pull", "resolve"]\n',
    );
    expect(containerdHostsToml(insecure!)).toContain('[host."https://registry.internal:5000"]\n  capabilities = ["pull", "resolve", "push"]\n  skip_verify = true');
  });

  test('escapes a pause image that holds quotes or backslashes', () => {
    expect(containerdConfigToml('a"b\\c', 2)).toContain('sandbox_image = "a\\"b\\\\c"');
  });
});

describe('CRI-O', () => {
  test('drop-in sets the pause image and the systemd cgroup manager', () => {
    expect(crioDropin(PAUSE)).toContain(`[crio.image]\npause_image = "${PAUSE}"`);
    expect(crioDropin(PAUSE)).toContain('cgroup_manager = "systemd"');
  });

  test('registries.conf has one [[registry]] per registry with mirrors without scheme', () => {
    const t = registriesConf(registryHosts(spec()));
    expect(t).toContain('[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "mirror.example.com"\n\n[[registry.mirror]]\nlocation = "10.231.0.5:5000/hub"\ninsecure = true\n');
    expect(t).toContain('[[registry]]\nprefix = "registry.internal:5000"\nlocation = "registry.internal:5000"\ninsecure = true\n');
  });
});

describe('iSulad', () => {
  test('daemon.json carries the pause image, CNI, docker.io mirrors and insecure registries', () => {
    const { contents, warnings } = isuladDaemonJson(PAUSE, registryHosts(spec()));
    const d = JSON.parse(contents);
    expect(d['pod-sandbox-image']).toBe(PAUSE);
    expect(d['network-plugin']).toBe('cni');
    expect(d['registry-mirrors']).toEqual(['mirror.example.com', '10.231.0.5:5000/hub', 'docker.io']);
    expect(d['insecure-registries']).toEqual(['10.231.0.5:5000/hub', 'registry.internal:5000']);
    expect(warnings).toEqual(['iSulad mirrors only docker.io; the mirrors of quay.io are not used']);
  });
});

describe('Docker with cri-dockerd', () => {
  test('daemon.json uses systemd cgroups and the docker.io mirrors', () => {
    const { contents, warnings } = dockerDaemonJson(registryHosts(spec()));
    const d = JSON.parse(contents);
    expect(d['exec-opts']).toEqual(['native.cgroupdriver=systemd']);
    expect(d['registry-mirrors']).toEqual(['https://mirror.example.com', 'http://10.231.0.5:5000/hub']);
    expect(d['insecure-registries']).toEqual(['registry.internal:5000']);
    expect(warnings).toHaveLength(1);
  });

  test('cri-dockerd gets --pod-infra-container-image, quoted for systemd', () => {
    expect(criDockerdDropin(PAUSE).contents).toContain(`ExecStart=\nExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd:// --network-plugin=cni "--pod-infra-container-image=${PAUSE}"\n`);
    expect(criDockerdDropin('reg/pause:3.10%$').contents).toContain('"--pod-infra-container-image=reg/pause:3.10%%$$"');
  });
});

describe('endpoints', () => {
  test.each([
    ['containerd', 'unix:///run/containerd/containerd.sock'],
    ['crio', 'unix:///var/run/crio/crio.sock'],
    ['isulad', 'unix:///var/run/isulad.sock'],
    ['docker', 'unix:///run/cri-dockerd.sock'],
  ] as const)('%s is reached at %s by the kubelet, kubeadm and crictl', (type, socket) => {
    expect(criSocket(type)).toBe(socket);
    expect(kubeletRuntimeArgs(type)).toEqual({ 'container-runtime-endpoint': socket });
    const setup = runtimeSetup(spec({ type }), PAUSE);
    expect(setup.criSocket).toBe(socket);
    expect(setup.files.find((f) => f.path === '/etc/crictl.yaml')!.contents).toBe(crictlYaml(socket));
  });

  test('each runtime starts its own services', () => {
    expect(runtimeSetup(spec({ type: 'docker' }), PAUSE).services).toEqual(['docker.service', 'cri-docker.socket', 'cri-docker.service']);
    expect(runtimeSetup(spec({ type: 'crio' }), PAUSE).services).toEqual(['crio.service']);
  });

  test('containerd writes one hosts.toml per registry and config v3 on request', () => {
    const setup = runtimeSetup(spec(), PAUSE, { containerdConfigVersion: 3 });
    expect(setup.files.map((f) => f.path)).toEqual([
      '/etc/containerd/config.toml',
      '/etc/containerd/certs.d/docker.io/hosts.toml',
      '/etc/containerd/certs.d/quay.io/hosts.toml',
      '/etc/containerd/certs.d/registry.internal:5000/hosts.toml',
      '/etc/crictl.yaml',
    ]);
    expect(setup.files[0]!.contents).toMatch(/^version = 3$/m);
  });
});
