import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { hostname } from 'node:os';
import { acquireHostLock, HostLockedError } from '../../../pkg/infra/ssh/lock.js';
import { openSession, type SshSession } from '../../../pkg/infra/ssh/session.js';
import { describeWithSshHosts, startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

jest.setTimeout(120_000);

/** Retries taking the lock until it is free; returns how long that took. */
async function takeWhenFree(s: SshSession, path: string, boundMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      const l = await acquireHostLock(s, { path });
      await l.release();
      return Date.now() - t0;
    } catch (e) {
      if (!(e instanceof HostLockedError) || Date.now() - t0 > boundMs) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describeWithSshHosts('the per-host lock', () => {
  let net: SshHosts;
  let h0: SshHost;
  const sessions: SshSession[] = [];
  const open = async (h: SshHost) => {
    const s = await openSession(h.target());
    sessions.push(s);
    return s;
  };
  beforeAll(async () => {
    net = await startSshHosts(2);
    h0 = net.hosts[0]!;
  });
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await net?.stop();
  });

  it('refuses a second run with who holds it and since when, and lets it in after release', async () => {
    const path = `${h0.dir}/lock-a`;
    const a = await open(h0);
    const b = await open(h0);
    const held = await acquireHostLock(a, { path, purpose: 'deploy of cluster demo', now: () => new Date('2026-12-02T21:30:00Z') });
    expect(held.holder).toBe(`since 2026-12-02T21:30:00.000Z, nkd pid ${process.pid} on ${hostname()}, deploy of cluster demo`);
    const err = await acquireHostLock(b, { path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostLockedError);
    expect((err as Error).message).toMatch(new RegExp(`^another nkd run holds the lock on node h0 \\(${h0.ip}:22\\) \\(since 2026-12-02T21:30:00.000Z, nkd pid ${process.pid} on .*, deploy of cluster demo, lock pid \\d+\\)$`));
    expect((err as HostLockedError).hint).toBe('wait for that run to finish; if it is gone, the host releases the lock by itself within 30 s of its last heartbeat');
    await held.release();
    expect(await takeWhenFree(b, path, 0)).toBeLessThan(2_000);
  });

  it('is released when the holder\'s connection dies', async () => {
    const path = `${h0.dir}/lock-b`;
    const a = await open(h0);
    const b = await open(h0);
    const held = await acquireHostLock(a, { path });
    await expect(acquireHostLock(b, { path })).rejects.toThrow(HostLockedError);
    a.destroy(); // the TCP connection goes away, as when nkd is killed
    await expect(held.lost).resolves.toBe(`the lock on node h0 (${h0.ip}:22) was lost (the connection closed or the heartbeats stopped)`);
    const waited = await takeWhenFree(b, path, 10_000);
    console.log(`lock free ${waited} ms after the holder's connection died`);
    expect(waited).toBeLessThan(10_000);
  });

  it('is released by the host when heartbeats stop for the lease, and the holder hears that it lost it', async () => {
    const path = `${h0.dir}/lock-c`;
    const a = await open(h0);
    const b = await open(h0);
    // heartbeats far apart on purpose: the 1 s lease runs out first
    const held = await acquireHostLock(a, { path, leaseMs: 1_000, heartbeatMs: 60_000 });
    await expect(acquireHostLock(b, { path })).rejects.toThrow(HostLockedError);
    const t0 = Date.now();
    await expect(held.lost).resolves.toMatch(/was lost/);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await takeWhenFree(b, path, 0)).toBeLessThan(2_000);
  });

  it('keeps holding while heartbeats come, past the lease', async () => {
    const path = `${h0.dir}/lock-d`;
    const a = await open(h0);
    const b = await open(h0);
    const held = await acquireHostLock(a, { path, leaseMs: 1_000, heartbeatMs: 200 });
    await new Promise((r) => setTimeout(r, 2_500));
    await expect(acquireHostLock(b, { path })).rejects.toThrow(HostLockedError);
    await held.release();
    await takeWhenFree(b, path, 0);
  });

  it('locks each host on its own', async () => {
    const l0 = await acquireHostLock(await open(h0), { path: `${h0.dir}/lock-e` });
    const h1 = net.hosts[1]!;
    const l1 = await acquireHostLock(await open(h1), { path: `${h1.dir}/lock-e` });
    await l0.release();
    await l1.release();
  });
});
