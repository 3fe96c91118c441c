import { mapLimit } from '../../pkg/worker-pool.js';
import { ExitCode, NkdError } from '../../pkg/ui/errors.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bounded concurrency', () => {
  it('never runs more than the limit at once and keeps the results in order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 6, 7], 3, async (x) => {
      peak = Math.max(peak, ++running);
      await tick(x);
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 60, 70]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure and throws the first error once the running ones end', async () => {
    const started: number[] = [];
    await expect(mapLimit([1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      await tick(x === 1 ? 20 : 2);
      if (x === 2) throw new Error('boom');
      return x;
    })).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('stops starting items when the signal aborts and throws an Interrupted error', async () => {
    const ac = new AbortController();
    const started: number[] = [];
    const err = await mapLimit([1, 2, 3, 4], 1, async (x) => {
      started.push(x);
      if (x === 2) ac.abort();
      return x;
    }, ac.signal).catch((e: unknown) => e);
    expect(started).toEqual([1, 2]);
    expect(err).toBeInstanceOf(NkdError);
    expect((err as NkdError).code).toBe(ExitCode.Interrupted);
  });
});
