import { jest } from '@jest/globals';
import { openVirsh, VirshError } from '../../../pkg/infra/libvirt/virsh.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(120_000);

describe('a virsh session on the test driver', () => {
  it('keeps state across commands of one session and reports libvirt errors per command', async () => {
    const v = openVirsh('test:///default');
    try {
      expect((await v.run(['list', '--all', '--name'])).trim()).toBe('test');
      await expect(v.run(['dominfo', 'nosuch'])).rejects.toThrow(VirshError);
      await v.run(['destroy', 'test']);
      expect(await v.run(['domstate', 'test'])).toMatch(/shut off/);
      const err = await v.run(['dominfo', 'nosuch']).catch((e: VirshError) => e);
      expect((err as VirshError).notFound).toBe(true);
      expect((await v.run(['echo', 'a "quoted" arg with spaces'])).trim()).toBe('a "quoted" arg with spaces');
    } finally {
      await v.close();
    }
  });

  it('runs concurrent callers one after another without mixing their output', async () => {
    const v = openVirsh('test:///default');
    try {
      const outs = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await v.run(['echo', `n${i}`])).trim()));
      expect(outs).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    } finally {
      await v.close();
    }
  });
});
