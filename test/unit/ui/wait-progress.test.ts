import { jest } from '@jest/globals';
import { Ui } from '../../../pkg/ui/output.js';

function ui(live: boolean): { ui: Ui; err: () => string } {
  let err = '';
  return { ui: new Ui('info', false, { out: () => {}, err: (t) => void (err += t), live }), err: () => err };
}

describe('a long wait', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('redraws one live line on a terminal saying what it waits for, the time elapsed and the bound, and clears it', async () => {
    const u = ui(true);
    let finish!: () => void;
    const p = u.ui.phase('wait for the API server', () => new Promise<void>((r) => (finish = r)), '10.0.0.1:6443, up to 20m00s');
    jest.advanceTimersByTime(3000);
    const clear = '\r\u001b[K';
    expect(u.err().endsWith(')')).toBe(true);
    expect(u.err().slice(u.err().lastIndexOf(clear))).toMatch(/^\r.\[K… wait for the API server: [0-9.]+ (s|ms) \(10\.0\.0\.1:6443, up to 20m00s\)$/);
    u.ui.info('1/3 nodes Ready'); // another line clears the live one first
    expect(u.err().endsWith(`${clear}• 1/3 nodes Ready\n`)).toBe(true);
    finish();
    await p;
    expect(u.err()).toMatch(/✓ wait for the API server \([^)]*\)\n$/);
  });

  it('prints a plain "still waiting" line a minute without a terminal', async () => {
    const u = ui(false);
    let finish!: () => void;
    const p = u.ui.phase('wait for Ready nodes', () => new Promise<void>((r) => (finish = r)), '3 nodes, up to 30m00s');
    jest.advanceTimersByTime(61_000);
    expect(u.err()).toContain('• still waiting: wait for Ready nodes, ');
    expect(u.err()).not.toContain('\r');
    finish();
    await p;
  });

  it('shows a live line on a terminal for long work without a bound (render), and leaves no trace once done', async () => {
    const u = ui(true);
    let finish!: () => void;
    const p = u.ui.progress('rendering cluster demo', () => new Promise<void>((r) => (finish = r)), 'keys, certificates and 2 Ignition configs');
    jest.advanceTimersByTime(2000);
    expect(u.err()).toContain('… rendering cluster demo: ');
    expect(u.err()).toContain('(keys, certificates and 2 Ignition configs)');
    finish();
    await p;
    expect(u.err().endsWith('\r\u001b[K')).toBe(true);
  });
});
