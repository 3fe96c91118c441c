import { jest } from '@jest/globals';

jest.setTimeout(180_000);
import { CustomObjectsApi } from '@kubernetes/client-node';
import { sharedKubeconfig } from '../../harness/shared.js';
import { statusOf } from '../../../pkg/upgrade/kube/upgrade-api.js';
import { API_VERSION, GROUP, UPGRADES, VERSION } from '../../../pkg/upgrade/api/vocabulary.js';
import { installCrds, kubeConfig, NEW_IMAGE } from './sim-cluster.js';

let custom: CustomObjectsApi;
beforeAll(async () => {
  const kc = kubeConfig(await sharedKubeconfig());
  await installCrds(kc);
  custom = kc.makeApiClient(CustomObjectsApi);
});

async function create(spec: object): Promise<{ status?: number; message: string }> {
  const name = `crdval-${Math.random().toString(16).slice(2, 10)}`;
  try {
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, body: { apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name }, spec } });
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name });
    return { message: 'accepted' };
  } catch (e) {
    const body = (e as { body?: unknown }).body;
    let message = String(body ?? (e as Error).message);
    try { message = (JSON.parse(message) as { message: string }).message; } catch { /* not JSON */ }
    return { status: statusOf(e), message };
  }
}

describe('the Upgrade CRD as served by the real API server', () => {
  it.each([
    ['an Upgrade without a target', {}, 'set a target: osImage and/or kubernetesVersion'],
    ['an image without a digest', { osImage: 'registry.example/nestos:latest' }, 'spec.osImage'],
    ['maxUnavailable 0', { osImage: NEW_IMAGE, maxUnavailable: 0 }, 'maxUnavailable must be an integer >= 1 or a percentage from 1% to 100%'],
    ['maxUnavailable "0%"', { osImage: NEW_IMAGE, maxUnavailable: '0%' }, 'maxUnavailable must be an integer >= 1'],
    ['a window that never opens', { osImage: NEW_IMAGE, window: { days: ['Mon'], start: '02:00', end: '02:00' } }, 'the window never opens'],
    ['a window without days', { osImage: NEW_IMAGE, window: { days: [], start: '02:00', end: '03:00' } }, 'spec.window.days'],
    ['a version that is not vX.Y.Z', { kubernetesVersion: '1.37' }, 'spec.kubernetesVersion'],
    ['a stage named control-plane', { osImage: NEW_IMAGE, stages: [{ name: 'control-plane', nodeSelector: {} }] }, 'reserved'],
    ['an unknown drain escalation', { osImage: NEW_IMAGE, drain: { onTimeout: 'Pray' } }, 'spec.drain.onTimeout'],
  ])('rejects %s', async (_what, spec, fragment) => {
    const r = await create(spec);
    expect(r.status).toBe(422);
    expect(r.message).toContain(fragment);
  });

  it('accepts a complete Upgrade and applies the schema defaults', async () => {
    const name = `crdval-ok-${Math.random().toString(16).slice(2, 8)}`;
    const created = (await custom.createClusterCustomObject({
      group: GROUP, version: VERSION, plural: UPGRADES,
      body: { apiVersion: API_VERSION, kind: 'Upgrade', metadata: { name }, spec: { osImage: NEW_IMAGE, kubernetesVersion: 'v1.37.1', maxUnavailable: '25%', window: { days: ['Sat', 'Sun'], start: '22:00', end: '04:00', timeZone: 'Europe/Berlin' }, stages: [{ name: 'canary', nodeSelector: { matchLabels: { pool: 'canary' } }, maxUnavailable: 1 }] } },
    })) as { spec: { drain: object; healthGate: object; paused: boolean } };
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: UPGRADES, name });
    expect(created.spec.drain).toEqual({ timeoutSeconds: 600, deleteEmptyDirData: false, evictUnmanagedPods: false, onTimeout: 'Fail' });
    expect(created.spec.healthGate).toEqual({ settleSeconds: 30, timeoutSeconds: 900 });
    expect(created.spec.paused).toBe(false);
  });
});
