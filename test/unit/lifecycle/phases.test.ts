import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../pkg/infra/journal.js';
import { runPhases } from '../../../pkg/lifecycle/phases.js';
import { formatPlan } from '../../../pkg/lifecycle/plan-output.js';
import { ExitCode } from '../../../pkg/ui/errors.js';
import { Ui } from '../../../pkg/ui/output.js';

function ui() {
  let err = '';
  return { ui: new Ui('info', false, { out: () => {}, err: (t) => void (err += t) }), text: () => err };
}

describe('the phase runner', () => {
  it('runs phases in order, prints each with its bound and duration, and records them in the journal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nkd-phases-'));
    try {
      const journal = await Journal.open(join(dir, 'journal.json'), { clusterId: 'demo', provider: 'libvirt' });
      const order: string[] = [];
      const u = ui();
      await runPhases([
        { name: 'one', run: async () => void order.push('one') },
        { name: 'two', bound: 'up to 5 s', run: async () => void order.push('two') },
      ], { ui: u.ui, journal });
      expect(order).toEqual(['one', 'two']);
      expect(u.text()).toMatch(/^• one\n✓ one \(\d+ ms\)\n• two \(up to 5 s\)\n✓ two \(\d+ ms\)\n$/);
      expect(Object.keys(journal.phases())).toEqual(['one', 'two']);
      const again = ui();
      await runPhases([{ name: 'one', run: async () => {} }], { ui: again.ui, journal });
      expect(again.text()).toMatch(/^• one \(completed before at \S+; checking\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops before the next phase when interrupted', async () => {
    const ac = new AbortController();
    const ran: string[] = [];
    await expect(runPhases([
      { name: 'a', run: async () => { ran.push('a'); ac.abort(); } },
      { name: 'b', run: async () => void ran.push('b') },
    ], { ui: ui().ui, signal: ac.signal })).rejects.toMatchObject({ code: ExitCode.Interrupted });
    expect(ran).toEqual(['a']);
  });
});

describe('the printed plan', () => {
  it('shows one line per resource with its action, and the counts', () => {
    const text = formatPlan({
      provider: 'libvirt', clusterId: 'demo', desired: { clusterId: 'demo', nodes: [] }, warnings: [],
      items: [
        { kind: 'network', name: 'nkd-demo', action: 'keep', reason: 'exists' },
        { kind: 'domain', name: 'demo-w2', action: 'create', node: 'w2', reason: 'worker' },
      ],
    });
    expect(text.split('\n')).toEqual([
      '  keep   network nkd-demo  exists',
      '+ create domain demo-w2    worker',
      'plan (libvirt, cluster demo): 1 to create, 0 to update, 0 to adopt, 1 unchanged',
    ]);
  });
});
