import { NodeAgent } from '../../../pkg/upgrade/agent/agent.js';
import type { NodeUpgrade } from '../../../pkg/upgrade/api/types.js';
import { FakeHost } from '../../integration/upgrade/fake-host.js';
import { fakeAgentApi } from './fake-api.js';

const OLD = 'registry.example/nestos@sha256:' + 'b'.repeat(64);
const NEW = 'registry.example/nestos@sha256:' + 'a'.repeat(64);

function setup(spec: Partial<NodeUpgrade['spec']> = {}) {
  const api = fakeAgentApi();
  const host = new FakeHost('n1', OLD, 'v1.36.4', (img) => (img === NEW ? 'v1.37.1' : 'v1.36.4'));
  const nu: NodeUpgrade = {
    apiVersion: 'upgrade.nkd.nestos.openeuler.org/v1alpha1', kind: 'NodeUpgrade',
    metadata: { name: 'up.n1', resourceVersion: '1' },
    spec: { upgrade: 'up', nodeName: 'n1', stage: 'control-plane', osImage: NEW, kubernetesVersion: 'v1.37.1', kubeadmAction: 'apply', hostSteps: true, attempt: 1, ...spec },
    status: { phase: 'Upgrading' },
  };
  api.nodeUpgrades.set('up.n1', nu);
  const agent = () => new NodeAgent(api, host, 'n1', () => new Date('2026-11-23T02:00:00Z'));
  const latest = () => api.nodeUpgrades.get('up.n1') as NodeUpgrade;
  return { api, host, agent, latest };
}

describe('the node agent against a fake host', () => {
  it('rebases by digest, runs kubeadm upgrade apply from the staged image, reboots, and reports the new boot ID and deployment', async () => {
    const { host, agent, latest } = setup();
    const a = agent();
    await a.sync(latest());
    const oldBoot = latest().status?.host?.preRebootBootId;
    expect(latest().status?.host).toMatchObject({ phase: 'Rebooting', completedSteps: ['Rebase', 'KubeadmUpgrade'] });
    expect(host.actions()).toEqual([
      `rpm-ostree rebase ostree-unverified-registry:${NEW}`,
      expect.stringContaining('ostree cat'),
      '/var/lib/nkd/kubeadm-v1.37.1 upgrade apply v1.37.1 --yes',
      'systemctl reboot',
    ]);
    host.completeReboot();
    await agent().sync(latest()); // the agent pod starts again after the reboot
    expect(latest().status?.host).toMatchObject({ phase: 'Done', bootedImage: NEW, completedSteps: ['Rebase', 'KubeadmUpgrade', 'Reboot'] });
    expect(latest().status?.host?.bootId).not.toBe(oldBoot);
    expect(latest().status?.host?.bootedDeployment).toMatch(/^[0-9a-f]{16}$/);
  });

  it('runs kubeadm upgrade node on the other nodes', async () => {
    const { host, agent, latest } = setup({ kubeadmAction: 'node' });
    await agent().sync(latest());
    expect(host.actions()).toContain('/var/lib/nkd/kubeadm-v1.37.1 upgrade node');
  });

  it('lets kubeadm pass its cgroup check on a cgroup v1 host, as first boot does, and only there', async () => {
    const apply = setup();
    apply.host.cgroupV1 = true;
    await apply.agent().sync(apply.latest());
    expect(apply.host.actions()).toContain('/var/lib/nkd/kubeadm-v1.37.1 upgrade apply v1.37.1 --yes --ignore-preflight-errors=SystemVerification');
    const node = setup({ kubeadmAction: 'node' });
    node.host.cgroupV1 = true;
    await node.agent().sync(node.latest());
    expect(node.host.actions()).toContain('/var/lib/nkd/kubeadm-v1.37.1 upgrade node --ignore-preflight-errors=SystemVerification');
  });

  it('does nothing before the operator sets spec.hostSteps', async () => {
    const { host, agent, latest } = setup({ hostSteps: false });
    await agent().sync(latest());
    expect(host.actions()).toEqual([]);
  });

  it('reports a failed rebase with the step and the host error, and marks no step done', async () => {
    const { host, agent, latest } = setup();
    host.faults.rebaseFails = true;
    await agent().sync(latest());
    expect(latest().status?.host).toMatchObject({ phase: 'Failed', step: 'Rebase', completedSteps: [] });
    expect(latest().status?.host?.message).toMatch(/^Rebase: rpm-ostree rebase .* exited 1: error: Creating importer/);
    expect(host.actions()).not.toContain('systemctl reboot');
  });

  it('reports a boot into the old deployment as a failure', async () => {
    const { host, agent, latest } = setup();
    await agent().sync(latest());
    host.faults.bootIntoOld = true;
    host.completeReboot();
    await agent().sync(latest());
    expect(latest().status?.host).toMatchObject({ phase: 'Failed', step: 'Reboot', bootedImage: OLD });
    expect(latest().status?.host?.message).toMatch(/booted .* instead of/);
  });

  it('repeats no completed step after its own restart and re-issues a reboot that never happened', async () => {
    const { host, agent, latest } = setup();
    await agent().sync(latest());
    await agent().sync(latest()); // restarted before the host went down
    expect(host.actions().filter((c) => c.startsWith('rpm-ostree rebase'))).toHaveLength(1);
    expect(host.actions().filter((c) => c.includes('upgrade apply'))).toHaveLength(1);
    expect(host.actions().filter((c) => c === 'systemctl reboot')).toHaveLength(2);
  });

  it('takes a reboot command killed by the shutdown for a request, and the new boot ID decides', async () => {
    const { host, agent, latest } = setup();
    host.faults.rebootCommandKilled = true;
    await agent().sync(latest());
    expect(latest().status?.host).toMatchObject({ phase: 'Rebooting', step: 'Reboot', rebootRequests: 1 });
    expect(latest().status?.host?.message).toMatch(/^reboot requested \(1\/5\); systemctl reboot exited 1/);
    host.completeReboot();
    await agent().sync(latest());
    expect(latest().status?.host).toMatchObject({ phase: 'Done', bootedImage: NEW, completedSteps: ['Rebase', 'KubeadmUpgrade', 'Reboot'] });
  });

  it('asks again when the host stays on its boot, and fails the node after five requests, naming the boot', async () => {
    const { api, host, latest } = setup();
    let now = Date.parse('2026-11-23T02:00:00Z');
    const a = new NodeAgent(api, host, 'n1', () => new Date(now));
    await a.sync(latest());
    await a.sync(latest()); // an event a minute later: not yet overdue
    expect(host.actions().filter((c) => c === 'systemctl reboot')).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      now += 3 * 60_000;
      await a.sync(latest());
    }
    expect(host.actions().filter((c) => c === 'systemctl reboot')).toHaveLength(5);
    expect(latest().status?.host).toMatchObject({ phase: 'Rebooting', rebootRequests: 5 });
    now += 3 * 60_000;
    await a.sync(latest());
    expect(host.actions().filter((c) => c === 'systemctl reboot')).toHaveLength(5);
    const h = latest().status!.host!;
    expect(h).toMatchObject({ phase: 'Failed', step: 'Reboot' });
    expect(h.message).toBe(`the host did not reboot: still on boot ${h.preRebootBootId} after 5 reboot requests (last: reboot requested (5/5))`);
  });

  it('upgrades Kubernetes alone with kubeadm and a kubelet restart, without a reboot', async () => {
    const { host, agent, latest } = setup({ osImage: undefined, kubeadmAction: 'node' });
    await agent().sync(latest());
    expect(host.actions()).toEqual(['kubeadm upgrade node', 'systemctl restart kubelet.service']);
    expect(latest().status?.host).toMatchObject({ phase: 'Done', completedSteps: ['KubeadmUpgrade', 'KubeletRestart'] });
  });

  it('skips the rebase when the image is already booted', async () => {
    const { host, agent, latest } = setup({ kubernetesVersion: undefined, kubeadmAction: 'none', osImage: OLD });
    await agent().sync(latest());
    expect(host.actions()).toEqual([]);
    expect(latest().status?.host).toMatchObject({ phase: 'Done', bootedImage: OLD });
  });

  it('rolls back with rpm-ostree rollback and a reboot when asked, and reports it', async () => {
    const { api, host, agent, latest } = setup({ kubernetesVersion: undefined, kubeadmAction: 'none' });
    await agent().sync(latest());
    host.completeReboot();
    await agent().sync(latest());
    expect(host.bootedImage).toBe(NEW);
    api.nodeUpgrades.set('up.n1', { ...latest(), spec: { ...latest().spec, rollback: true } });
    const a = agent();
    await a.sync(latest());
    await a.sync(latest()); // a second event before the host went down does nothing more
    expect(host.actions().slice(-2)).toEqual(['rpm-ostree rollback', 'systemctl reboot']);
    host.completeReboot();
    await agent().sync(latest());
    expect(host.bootedImage).toBe(OLD);
    expect(latest().status?.host).toMatchObject({ phase: 'RolledBack', bootedImage: OLD });
    expect(host.actions().filter((c) => c === 'rpm-ostree rollback')).toHaveLength(1);
  });

  it('starts over for a new attempt after a retry', async () => {
    const { api, host, agent, latest } = setup();
    host.faults.rebaseFails = true;
    await agent().sync(latest());
    host.faults.rebaseFails = false;
    api.nodeUpgrades.set('up.n1', { ...latest(), spec: { ...latest().spec, attempt: 2 } });
    await agent().sync(latest());
    expect(latest().status?.host).toMatchObject({ phase: 'Rebooting', attempt: 2 });
  });

  it('keeps its report through API conflicts', async () => {
    const { api, agent, latest } = setup();
    api.conflictsToInject = 2;
    await agent().sync(latest());
    expect(latest().status?.host?.phase).toBe('Rebooting');
  });
});
