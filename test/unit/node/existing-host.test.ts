import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import { existingHostPlan, servicesToRestart, wholeConfig } from '../../../pkg/host/existing-host.js';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { decodeResource } from '../ignition/decode.js';

let scratch: string;
let r: RenderResult;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-existing-'));
  const config = await validClusterConfig((d) => {
    delete d.spec.libvirt;
    d.spec.platform = 'baremetal';
    d.spec.baremetal = { httpAddress: '10.231.0.2' };
  });
  r = await renderCluster(config, { dir: join(scratch, 'c') }, goldenRenderDeps());
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const whole = async (node: string): Promise<IgnitionConfig> => {
  const n = r.nodes.find((x) => x.name === node)!;
  return wholeConfig(JSON.parse(await readFile(n.ignitionPath, 'utf8')), JSON.parse(await readFile(n.secretBundle!.path, 'utf8')));
};
const paths = (c: IgnitionConfig) => (c.storage?.files ?? []).map((f) => f.path).sort();

describe('an existing host gets the node\'s rendered config, minus what is the host\'s own', () => {
  test('the whole config is the first stage and the bundle together, with no merge pointer left', async () => {
    const w = await whole('master-1');
    expect(w.ignition.config).toBeUndefined();
    expect(paths(w)).toEqual(expect.arrayContaining(['/etc/nkd/kubeadm.yaml', '/etc/kubernetes/pki/ca.key', '/etc/ssh/ssh_host_ed25519_key']));
  });

  test('NestOS: every file but the SSH host key, no accounts; the chain starts at the pivot', async () => {
    const w = await whole('worker-1');
    const p = existingHostPlan(w, 'nestos');
    expect(paths(p.config)).toEqual(paths(w).filter((x) => !x.startsWith('/etc/ssh/ssh_host_')));
    expect(p.config.passwd).toBeUndefined();
    expect(p.config.systemd).toEqual(w.systemd);
    expect(p.start).toEqual(['nkd-pivot.service']);
    expect(p.leftOut).toEqual([
      '/etc/ssh/ssh_host_ed25519_key.pub: the host keeps its own SSH host key (nkd pins the one the cluster file gives)',
      '/etc/ssh/ssh_host_ed25519_key: the host keeps its own SSH host key (nkd pins the one the cluster file gives)',
      'users nest: the host keeps its own accounts (nkd logs in as the configured SSH user)',
    ]);
  });

  test('a general-purpose Linux host: the pivot marker is written and the chain starts at kubeadm', async () => {
    const p = existingHostPlan(await whole('worker-1'), 'linux');
    const marker = p.config.storage!.files!.find((f) => f.path === '/var/lib/nkd/pivot.done')!;
    expect(decodeResource(marker.contents!).toString()).toMatch(/no rpm-ostree pivot/);
    expect(p.start).toEqual(['nkd-kubeadm.service']);
    expect(p.leftOut).toContain('nkd-pivot.service: not run on a general-purpose Linux host (no rpm-ostree); its marker is written');
  });

  it('restarts the running services whose start-time files the join changed, kernel settings before the runtime', () => {
    expect(servicesToRestart(['/etc/containerd/config.toml', '/etc/nkd/kubeadm.yaml', '/etc/sysctl.d/90-nkd-kubernetes.conf', '/etc/modules-load.d/nkd-kubernetes.conf']))
      .toEqual(['systemd-sysctl.service', 'systemd-modules-load.service', 'containerd.service']);
    expect(servicesToRestart(['/etc/crio/crio.conf.d/10-nkd.conf'])).toEqual(['crio.service']);
    expect(servicesToRestart(['/etc/nkd/kubeadm.yaml', '/etc/kubernetes/pki/ca.crt'])).toEqual([]);
  });
});
