// Leader election against an in-memory Lease store on a manual clock: time moves only when the
// test advances it, so the assertions are exact counts and never depend on the machine's load.
import type { V1Lease } from '@kubernetes/client-node';
import type { UpgradeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import { LeaderElector, type Clock } from '../../../pkg/upgrade/operator/leader.js';

/** A clock whose time and timers move only in advance(). */
class ManualClock implements Clock {
  private t = Date.parse('2026-12-01T00:00:00Z');
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): Date { return new Date(this.t); }
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.seq; this.timers.set(id, { at: this.t + ms, fn }); return id; }
  clearTimeout(id: unknown): void { this.timers.delete(id as number); }
  /** Moves time forward by `ms`, firing every timer that falls due, in order, and letting its work finish. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets pending promise chains (the elector's async API calls) run to completion. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** An in-memory Lease store that checks resourceVersions and counts calls by kind (unit tests only). */
function fakeLeaseApi(clock: ManualClock) {
  let lease: V1Lease | undefined;
  let rv = 1;
  const calls = { read: 0, create: 0, replace: 0 };
  const stamp = (l: V1Lease): V1Lease => structuredClone({ ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } });
  return {
    calls,
    get lease() { return lease; },
    /** Another replica writes the Lease as its holder, renewed now. */
    steal(identity: string, leaseDurationSeconds: number) {
      lease = stamp({ ...lease, metadata: { name: 'lease', ...lease?.metadata }, spec: { ...lease?.spec, holderIdentity: identity, renewTime: clock.now() as never, leaseDurationSeconds } });
    },
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
}

// The operator's defaults (docs/operator.md): 15 s lease, 10 s renew deadline, 2 s retry period.
const opts = { namespace: 'nkd-system', name: 'lease', identity: 'me', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };

function elector(clock: ManualClock, api: ReturnType<typeof fakeLeaseApi>, events: string[]): LeaderElector {
  return new LeaderElector(api as unknown as UpgradeApi, opts, { onStartedLeading: () => { events.push('start'); }, onStoppedLeading: () => { events.push('stop'); } }, clock);
}

describe('leader election on a Lease', () => {
  it('renews the Lease it holds with one write per retry period and no read', async () => {
    const clock = new ManualClock();
    const api = fakeLeaseApi(clock);
    const events: string[] = [];
    const el = elector(clock, api, events);
    el.start();
    await settle();
    expect(el.isLeader).toBe(true);
    expect(api.calls).toEqual({ read: 1, create: 1, replace: 0 }); // the first look, before creating it
    await clock.advance(3 * opts.retryPeriodSeconds * 1000);
    expect(api.calls).toEqual({ read: 1, create: 1, replace: 3 });
    expect(new Date(api.lease?.spec?.renewTime as never).getTime()).toBe(clock.now().getTime());
    expect(events).toEqual(['start']);
    await el.stop();
    expect(api.lease?.spec?.holderIdentity).toBeUndefined();
  });

  it('keeps leading through failed renewals until the renew deadline, then stops', async () => {
    const clock = new ManualClock();
    const api = fakeLeaseApi(clock);
    const events: string[] = [];
    const el = elector(clock, api, events);
    el.start();
    await settle();
    api.steal('other', 60);
    await clock.advance(opts.renewDeadlineSeconds * 1000); // 10 s: renewals fail, the deadline is not past yet
    expect(el.isLeader).toBe(true);
    await clock.advance(opts.retryPeriodSeconds * 1000); // the next attempt is past the deadline
    expect(el.isLeader).toBe(false);
    expect(events).toEqual(['start', 'stop']);
    expect(api.lease?.spec?.holderIdentity).toBe('other');
    await el.stop();
  });

  it('takes over a Lease whose holder stopped renewing only once it expired, counting the transition', async () => {
    const clock = new ManualClock();
    const api = fakeLeaseApi(clock);
    api.steal('other', opts.leaseDurationSeconds);
    const events: string[] = [];
    const el = elector(clock, api, events);
    el.start();
    await clock.advance(14_000);
    expect(el.isLeader).toBe(false);
    await clock.advance(2_000); // 16 s after the holder's last renewal: expired
    expect(el.isLeader).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'me', leaseTransitions: 1 });
    expect(events).toEqual(['start']);
    await el.stop();
  });
});
