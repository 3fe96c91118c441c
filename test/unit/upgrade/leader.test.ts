import type { V1Lease } from '@kubernetes/client-node';
import type { UpgradeApi } from '../../../pkg/upgrade/kube-api.js';
import { LeaderElector } from '../../../pkg/upgrade/leader.js';

/** An in-memory Lease store that checks resourceVersions and counts calls by kind (unit tests only). */
function fakeLeaseApi() {
  let lease: V1Lease | undefined;
  let rv = 1;
  const calls = { read: 0, create: 0, replace: 0 };
  const stamp = (l: V1Lease): V1Lease => structuredClone({ ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } });
  const api = {
    calls,
    get lease() { return lease; },
    /** Another replica takes the Lease (as if it had expired for it). */
    steal(identity: string) { lease = stamp({ ...lease, spec: { ...lease?.spec, holderIdentity: identity, renewTime: new Date() as never, leaseDurationSeconds: 60 } }); },
    async readLease() { calls.read++; return lease && structuredClone(lease); },
    async createLease(_ns: string, l: V1Lease) {
      calls.create++;
      if (lease) throw Object.assign(new Error('exists'), { code: 409 });
      lease = stamp(l);
      return structuredClone(lease);
    },
    async replaceLease(_ns: string, l: V1Lease) {
      calls.replace++;
      if (!lease || lease.metadata?.resourceVersion !== l.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
      lease = stamp(l);
      return structuredClone(lease);
    },
  };
  return api;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opts = { namespace: 'nkd-system', name: 'lease', identity: 'me', leaseDurationSeconds: 0.6, renewDeadlineSeconds: 0.4, retryPeriodSeconds: 0.05 };

describe('leader election on a Lease', () => {
  it('renews the Lease it holds with one write per period and no read', async () => {
    const api = fakeLeaseApi();
    let leading = 0;
    const el = new LeaderElector(api as unknown as UpgradeApi, opts, { onStartedLeading: () => { leading++; }, onStoppedLeading: () => { leading--; } });
    el.start();
    await sleep(400);
    expect(el.isLeader).toBe(true);
    expect(leading).toBe(1);
    expect(api.calls.read).toBe(1); // the first look, before creating it
    expect(api.calls.create).toBe(1);
    expect(api.calls.replace).toBeGreaterThanOrEqual(3);
    expect(api.lease?.spec?.holderIdentity).toBe('me');
    await el.stop();
    expect(api.lease?.spec?.holderIdentity).toBeUndefined();
  });

  it('stops leading within the renew deadline once another replica holds the Lease', async () => {
    const api = fakeLeaseApi();
    const events: string[] = [];
    const el = new LeaderElector(api as unknown as UpgradeApi, opts, { onStartedLeading: () => { events.push('start'); }, onStoppedLeading: () => { events.push('stop'); } });
    el.start();
    await sleep(150);
    expect(el.isLeader).toBe(true);
    api.steal('other');
    await sleep(700);
    expect(el.isLeader).toBe(false);
    expect(events).toEqual(['start', 'stop']);
    expect(api.lease?.spec?.holderIdentity).toBe('other');
    await el.stop();
  });
});
