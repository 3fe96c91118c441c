/**
 * Every rendered node's Ignition, for every scenario (one node; 3+2 with kube-vip and with
 * keepalived; each runtime; specs 3.3.0/3.4.0; pre-hooks), passes the real validators.
 */
import fc from 'fast-check';
import { serializeIgnition } from '../../../pkg/ignition/serialize.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { extrasFor, SCENARIOS, scenarioConfig } from '../../unit/node/scenarios.js';
import { requireTools, validateIgnition } from './tools.js';

beforeAll(() => requireTools());

describe('rendered Ignition passes the real validators', () => {
  test.each(SCENARIOS.map((s) => [s.name, s] as const))('%s: every node', async (_name, scenario) => {
    const config = await scenarioConfig(scenario);
    for (const node of config.spec.nodes) {
      const text = serializeIgnition(buildNodeIgnition(config, node, extrasFor(config, node)));
      expect({ node: node.name, problems: await validateIgnition(text, config.spec.os.ignitionVersion) }).toEqual({ node: node.name, problems: [] });
    }
  });

  test('the validators do catch a broken config (the check is not vacuous)', async () => {
    const bad = JSON.stringify({ ignition: { version: '3.2.0' }, storage: { files: [{ path: 'relative', contents: { source: 'data:,x' } }] } });
    expect(await validateIgnition(bad, '3.2.0')).not.toEqual([]);
    const bad34 = JSON.stringify({ ignition: { version: '3.4.0' }, storage: { files: [{ path: '/a', bogus: 1 }] } });
    expect(await validateIgnition(bad34, '3.4.0')).not.toEqual([]);
  });

  test('any pre-hook script content keeps the config valid for ignition-validate', async () => {
    const base = await validClusterConfig();
    const node = base.spec.nodes[0]!;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (content) => {
        const c = { ...base, spec: { ...base.spec, hooks: { preScripts: [{ name: 'hook.sh', content, roles: ['control-plane' as const] }], postManifests: [] } } };
        const text = serializeIgnition(buildNodeIgnition(c, node, extrasFor(c, node)));
        expect(await validateIgnition(text, '3.2.0')).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
