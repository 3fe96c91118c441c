import { loadClusterText } from '../../../pkg/config/load.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';

const text = toYaml(validClusterDoc());

describe('layered settings', () => {
  it('uses the file when neither flag nor environment is set', async () => {
    const { config } = await loadClusterText(text, { file: 'c.yaml', env: {} });
    expect(config.spec.kubernetes.version).toBe('1.34.1');
  });

  it('lets the environment override the file', async () => {
    const { config } = await loadClusterText(text, { file: 'c.yaml', env: { NKD_KUBERNETES_VERSION: '1.33.2' } });
    expect(config.spec.kubernetes.version).toBe('1.33.2');
  });

  it('lets a flag override the environment', async () => {
    const { config } = await loadClusterText(text, {
      file: 'c.yaml',
      flags: { kubernetesVersion: '1.32.0' },
      env: { NKD_KUBERNETES_VERSION: '1.33.2' },
    });
    expect(config.spec.kubernetes.version).toBe('1.32.0');
  });

  it('names the flag, not the file, when a flag value is bad', async () => {
    const err = await loadClusterText(text, { file: 'c.yaml', flags: { containerRuntime: 'podman' }, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(NkdError);
    expect(err.details).toContain('flag --container-runtime: spec.containerRuntime.type: invalid value "podman" (fix: use one of containerd, crio, isulad, docker)');
  });

  it('names the environment variable when its value is bad', async () => {
    const err = await loadClusterText(text, { file: 'c.yaml', env: { NKD_UPGRADE_OPERATOR: 'maybe' } }).catch((e) => e);
    expect(err.details).toContain('env NKD_UPGRADE_OPERATOR: spec.upgradeOperator.enabled: must be boolean, got "maybe"');
  });

  it('fills defaults and derived values', async () => {
    const { config } = await loadClusterText(text, { file: 'c.yaml', env: {} });
    expect(config.spec.nodes[0]).toMatchObject({ cpus: 2, memoryMiB: 4096, diskGiB: 30 });
    expect(config.spec.kubernetes.controlPlaneEndpoint).toMatchObject({ host: '10.231.0.11', port: 6443 });
    expect(config.spec.libvirt?.network).toEqual({ name: 'nkd-demo', mode: 'nat' });
    expect(config.spec.network).toEqual({ cidr: '10.231.0.0/24', gateway: '10.231.0.1', dnsServers: ['10.231.0.1'] });
    expect(config.spec.kubernetes.pauseImage).toBe('registry.k8s.io/pause:3.10.1');
    expect(Object.isFrozen(config.spec.nodes[0])).toBe(true);
  });

  it('ignores a platform setting from the environment for another platform', async () => {
    const { config, warnings } = await loadClusterText(text, { file: 'c.yaml', env: { NKD_OPENSTACK_PASSWORD: 'secret' } });
    expect(config.spec.openstack).toBeUndefined();
    expect(warnings.filter((w) => w.path.startsWith('spec.openstack'))).toEqual([]);
  });
});
