import { ApiException } from '@kubernetes/client-node';
import { transientApiError, unknownFieldDetails, upgradeApiError } from '../../../pkg/upgrade/client/api-errors.js';
import { mergePatchTo, outcome } from '../../../pkg/upgrade/client/upgrades.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import type { Upgrade } from '../../../pkg/upgrade/api/types.js';

const target = { server: 'https://10.0.0.1:6443', kubeconfig: '/c/auth/admin.conf' };
const upgrade = (generation: number, observed: number | undefined, conditions: [string, 'True' | 'False'][]): Upgrade => ({
  apiVersion: 'upgrade.nkd.nestos.openeuler.org/v1alpha1', kind: 'Upgrade', metadata: { name: 'u', generation }, spec: {},
  status: { observedGeneration: observed, conditions: conditions.map(([type, status]) => ({ type, status, reason: 'R' })) },
});

describe('the upgrade commands\' helpers', () => {
  it('turns a manifest into a merge patch that removes what the file no longer has', () => {
    expect(mergePatchTo(
      { osImage: 'a', maxUnavailable: 2, drain: { timeoutSeconds: 30, onTimeout: 'Fail' }, skipNodes: ['x'] },
      { osImage: 'b', drain: { onTimeout: 'Fail' }, skipNodes: [] },
    )).toEqual({ maxUnavailable: null, osImage: 'b', drain: { timeoutSeconds: null, onTimeout: 'Fail' }, skipNodes: [] });
  });

  it('names each unknown field of a strict-validation answer with the closest known field at the same level', () => {
    const msg = 'Upgrade in version "v1alpha1" cannot be handled as a Upgrade: strict decoding error: unknown field "spec.maxUnavaliable", unknown field "spec.stages[0].nodeSelectr", unknown field "spec.zzz"';
    expect(unknownFieldDetails(msg)).toEqual([
      'spec.maxUnavaliable: unknown field (not in the Upgrade schema; did you mean spec.maxUnavailable?)',
      'spec.stages[0].nodeSelectr: unknown field (not in the Upgrade schema; did you mean spec.stages[0].nodeSelector?)',
      'spec.zzz: unknown field (not in the Upgrade schema)',
    ]);
  });

  it('reports an API answer by what it means: refused credentials, a missing API, a refused field', () => {
    const api = (code: number, message: string) => new ApiException(code, 'x', JSON.stringify({ kind: 'Status', message }), {});
    expect(upgradeApiError('listing Upgrades', api(403, 'forbidden'), target).message).toBe('listing Upgrades: the API server https://10.0.0.1:6443 refused the credentials of /c/auth/admin.conf (HTTP 403): forbidden');
    const missing = upgradeApiError('creating Upgrade u', api(404, 'the server could not find the requested resource'), target);
    expect(missing.message).toBe('creating Upgrade u: the API server https://10.0.0.1:6443 does not serve upgrades.upgrade.nkd.nestos.openeuler.org');
    expect(missing.hint).toMatch(/^is the upgrade operator installed\?/);
    const field = upgradeApiError('creating Upgrade u', api(400, 'strict decoding error: unknown field "spec.pased"'), target);
    expect(field).toMatchObject({ code: 2, message: 'creating Upgrade u: the API server refused the Upgrade: 1 unknown field(s)', details: ['spec.pased: unknown field (not in the Upgrade schema; did you mean spec.paused?)'] });
    const refused = Object.assign(new Error('request to https://10.0.0.1:6443/apis failed, reason: connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(upgradeApiError('listing Upgrades', refused, target)).toMatchObject({ code: 1, message: 'listing Upgrades: cannot reach the API server https://10.0.0.1:6443 (kubeconfig /c/auth/admin.conf): connect ECONNREFUSED 10.0.0.1:6443' });
  });

  it('counts an Upgrade as Degraded before Done, and neither until the operator saw its generation', () => {
    expect(outcome(upgrade(2, 2, [['Degraded', 'True'], ['Available', 'True']]))).toBe('degraded');
    expect(outcome(upgrade(2, 2, [['Degraded', 'False'], ['Available', 'True']]))).toBe('done');
    expect(outcome(upgrade(3, 2, [['Degraded', 'False'], ['Available', 'True']]))).toBeUndefined();
    expect(outcome(upgrade(1, undefined, []))).toBeUndefined();
  });
});

describe('following an Upgrade through an API outage', () => {
  it('counts a refused connection and a 5xx as the API server being away, a 4xx or a deleted Upgrade as final', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(transientApiError(upgradeApiError('reading Upgrade u', refused, target))).toBe(true);
    expect(transientApiError(upgradeApiError('reading Upgrade u', new ApiException(503, 'unavailable', '{}', {}), target))).toBe(true);
    expect(transientApiError(upgradeApiError('reading Upgrade u', new ApiException(429, 'storage is (re)initializing', '{}', {}), target))).toBe(true);
    expect(transientApiError(upgradeApiError('reading Upgrade u', new ApiException(403, 'forbidden', '{}', {}), target))).toBe(false);
    // once the credentials were accepted, a restarted API server's refusals are waited out
    expect(transientApiError(upgradeApiError('reading Upgrade u', new ApiException(403, 'forbidden', '{}', {}), target), { credentialsWorked: true })).toBe(true);
    expect(transientApiError(upgradeApiError('reading Upgrade u', new ApiException(404, 'not found', '{}', {}), target), { credentialsWorked: true })).toBe(false);
    expect(transientApiError(new NkdError('Upgrade u was deleted'))).toBe(false);
    expect(transientApiError(upgradeApiError('reading Upgrade u', new TypeError('x is undefined'), target))).toBe(false);
  });
});
