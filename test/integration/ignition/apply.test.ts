/**
 * Applies each role's config (first control-plane node, joining control-plane node, worker)
 * with the real ignition binary to a scratch root and finds the files with their modes and
 * contents, the units and drop-ins (enabled through `systemctl --root preset`), the user,
 * its group, password hash and SSH keys.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { serializeIgnition } from '../../../pkg/ignition/serialize.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { extrasFor, NASTY_SCRIPT, SCENARIOS, scenarioConfig } from '../../unit/node/scenarios.js';
import { expectApplied } from './expect-applied.js';
import { applyIgnition, requireTools, type Applied } from './tools.js';

beforeAll(() => requireTools());

const HA_WITH_HOOKS = {
  name: 'HA kube-vip with pre-hooks and a password',
  mutate: (d: Record<string, any>) => {
    SCENARIOS.find((s) => s.name.includes('kube-vip'))!.mutate(d);
    SCENARIOS.find((s) => s.name.includes('pre-hooks'))!.mutate(d);
  },
};

describe('the real ignition applies each role to a scratch root', () => {
  const roots: Applied[] = [];
  afterAll(async () => Promise.all(roots.map((r) => r.cleanup())));

  test.each([
    ['master-1', 'the first control-plane node (kubeadm init)'],
    ['master-2', 'a joining control-plane node'],
    ['worker-1', 'a worker'],
  ])('%s: %s', async (name) => {
    const config = await scenarioConfig(HA_WITH_HOOKS);
    const node = config.spec.nodes.find((n) => n.name === name)!;
    const cfg = buildNodeIgnition(config, node, extrasFor(config, node));
    const enabled = cfg.systemd!.units!.filter((u) => u.enabled).map((u) => u.name);
    const applied = await applyIgnition(serializeIgnition(cfg), { groups: ['wheel'], presetUnits: enabled });
    roots.push(applied);
    expectApplied(cfg, applied);
    const r = applied.root;
    expect(readFileSync(join(r, 'etc/nkd/hooks/001-nasty.sh'), 'utf8')).toBe(NASTY_SCRIPT);
    expect(existsSync(join(r, 'etc/nkd/hooks/002-workers-only'))).toBe(node.role === 'worker');
    expect(statSync(join(r, 'etc/nkd/kubeadm.yaml')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(r, 'etc/kubernetes/pki/ca.key'))).toBe(node.role === 'control-plane');
    expect(existsSync(join(r, 'etc/kubernetes/manifests/kube-vip.yaml'))).toBe(node.role === 'control-plane');
    expect(enabled).toEqual(expect.arrayContaining(['nkd-pivot.service', 'nkd-kubeadm.service', 'nkd-prehooks.service']));
  });
});
