/**
 * Leader election on a coordination.k8s.io Lease. Acquire and renew are writes guarded by
 * resourceVersion; a leader that cannot renew within renewDeadline stops acting before the
 * Lease (leaseDuration > renewDeadline) can pass to another replica.
 */
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { isConflict, type UpgradeApi } from '../kube/upgrade-api.js';

/** Timing and identity of the election. */
export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** Callbacks of the election. */
export interface LeaderCallbacks {
  onStartedLeading(): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
}

/** Time for the election: the wall clock in production, a manual clock in tests. */
export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The wall clock and Node's timers. */
const systemClock: Clock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Lease times are MicroTime (six fractional digits) on the wire. */
function micro(d: Date | string): V1MicroTime { return new V1MicroTime(d); }

/** Runs the election loop until stop(); calls back on gaining and losing the Lease. */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer?: unknown;
  private lastRenew = 0;
  /** The Lease as this replica last wrote it while leading: renewals replace it without a read first. */
  private observed?: V1Lease;

  constructor(private readonly api: UpgradeApi, private readonly opts: LeaderOptions, private readonly cb: LeaderCallbacks, private readonly clock: Clock = systemClock) {
    if (opts.renewDeadlineSeconds >= opts.leaseDurationSeconds) throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
    if (opts.retryPeriodSeconds >= opts.renewDeadlineSeconds) throw new Error('leader election: retryPeriod must be shorter than renewDeadline');
  }

  /** True while this replica holds the Lease. */
  get isLeader(): boolean { return this.leading; }

  /** Starts the loop. */
  start(): void { void this.tick(); }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => void this.tick(), this.opts.retryPeriodSeconds * 1000);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const ok = await this.tryAcquireOrRenew();
      if (this.stopped) return;
      if (ok) {
        this.lastRenew = this.clock.now().getTime();
        if (!this.leading) { this.leading = true; await this.cb.onStartedLeading(); }
      }
    } catch {
      // transient API error: handled by the deadline below
    }
    if (this.leading && this.clock.now().getTime() - this.lastRenew > this.opts.renewDeadlineSeconds * 1000) {
      this.leading = false;
      this.observed = undefined;
      await this.cb.onStoppedLeading();
    }
    this.schedule();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const { namespace, name, identity, leaseDurationSeconds } = this.opts;
    // Fast path (as client-go's): the leader renews the Lease it last wrote, guarded by its
    // resourceVersion, in one request; a conflict means someone else wrote: read and decide.
    if (this.leading && this.observed) {
      try {
        this.observed = await this.api.replaceLease(namespace, { ...this.observed, spec: { ...this.observed.spec, renewTime: micro(now) } });
        return true;
      } catch (e) {
        this.observed = undefined;
        if (!isConflict(e)) throw e;
      }
    }
    const cur = await this.api.readLease(namespace, name);
    if (!cur) {
      try {
        this.observed = await this.api.createLease(namespace, {
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 },
        });
        return true;
      } catch (e) { if (isConflict(e)) return false; throw e; }
    }
    const spec = cur.spec ?? {};
    const held = spec.holderIdentity && spec.holderIdentity !== identity;
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now.getTime();
    if (held && !expired) return false;
    const next: V1Lease = {
      ...cur,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: micro(now),
        acquireTime: held || !spec.holderIdentity || !spec.acquireTime ? micro(now) : micro(spec.acquireTime),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (held ? 1 : 0),
      },
    };
    try { this.observed = await this.api.replaceLease(namespace, next); return true; } catch (e) { if (isConflict(e)) return false; throw e; }
  }

  /** Stops the loop; a leader releases the Lease so a standby takes over at once. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      this.observed = undefined;
      await this.cb.onStoppedLeading();
      if (release) {
        try {
          const cur = await this.api.readLease(this.opts.namespace, this.opts.name);
          if (cur?.spec?.holderIdentity === this.opts.identity) {
            await this.api.replaceLease(this.opts.namespace, { ...cur, spec: { ...cur.spec, holderIdentity: undefined, renewTime: undefined, acquireTime: undefined } });
          }
        } catch { /* best effort */ }
      }
    }
  }
}
