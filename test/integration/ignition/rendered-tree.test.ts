/**
 * The whole pipeline: the Ignition configs `nkd render` wrote for the golden fixtures (real
 * PKI, kubeconfigs and kubeadm files from pkg/pki and pkg/kubeadm) pass the real validators,
 * and the 3+2 fixtures' configs apply with the real ignition, every file in place.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IgnitionConfig } from '../../../pkg/ignition/types.js';
import { GOLDEN_DIR, goldenFixtures } from '../../golden/tree.js';
import { expectApplied } from './expect-applied.js';
import { applyIgnition, requireTools, validateIgnition, type Applied } from './tools.js';

const roots: Applied[] = [];
beforeAll(() => requireTools());
afterAll(async () => Promise.all(roots.map((r) => r.cleanup())));

async function renderedConfigs(): Promise<Array<{ fixture: string; node: string; text: string }>> {
  const out: Array<{ fixture: string; node: string; text: string }> = [];
  for (const fixture of await goldenFixtures()) {
    const dir = join(GOLDEN_DIR, fixture, 'tree', 'ignition');
    for (const f of (await readdir(dir).catch(() => [])).filter((x) => x.endsWith('.ign')).sort()) {
      out.push({ fixture, node: f.replace(/\.ign$/, ''), text: await readFile(join(dir, f), 'utf8') });
    }
  }
  return out;
}

describe('configs rendered by nkd render', () => {
  test('every golden fixture config passes the real validators', async () => {
    const all = await renderedConfigs();
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const { fixture, node, text } of all) {
      const version = (JSON.parse(text) as IgnitionConfig).ignition.version;
      expect({ fixture, node, problems: await validateIgnition(text, version) }).toEqual({ fixture, node, problems: [] });
    }
  });

  test('every node of the 3 control-plane + 2 worker fixtures (leaves by kubeadm, and by nkd) applies with the real ignition', async () => {
    const ha = (await renderedConfigs()).filter((c) => c.fixture === 'ha-3cp-2w-vip' || c.fixture === 'ha-leaves-by-nkd');
    expect(ha.length).toBe(10);
    for (const { node, text } of ha) {
      const cfg = JSON.parse(text) as IgnitionConfig;
      const enabled = cfg.systemd!.units!.filter((u) => u.enabled).map((u) => u.name);
      const applied = await applyIgnition(text, { groups: ['wheel'], presetUnits: enabled });
      roots.push(applied);
      expect(node).toBeTruthy();
      expectApplied(cfg, applied);
    }
  });
});
