import { describe, expect, it } from '@jest/globals';
import { ancestors, differences, parseStates, sha256, splitPath } from '../../../../pkg/infra/ssh/upload.js';

const file = { kind: 'file' as const, sha256: sha256(Buffer.from('a')), mode: 0o644, uid: 0, gid: 0, user: 'root', group: 'root' };

describe('the upload bookkeeping', () => {
  it('reads what the host reported for each path, stale temps included', () => {
    const out = [`0\tstale\t/etc/.x.nkd-abc`, `0\tfile\t${file.sha256}\t644\t0\t0\troot\troot`, '1\tabsent', '2\tlink', '3\tother\tdirectory', ''].join('\n');
    expect(parseStates(out, 4)).toEqual([
      { state: file, removedTemps: ['/etc/.x.nkd-abc'] },
      { state: { kind: 'absent' }, removedTemps: [] },
      { state: { kind: 'link' }, removedTemps: [] },
      { state: { kind: 'other', what: 'directory' }, removedTemps: [] },
    ]);
  });

  it('refuses output it does not understand, and a path the host did not report on', () => {
    expect(() => parseStates('7\tabsent\n', 2)).toThrow('unexpected line from the host: "7\\tabsent"');
    expect(() => parseStates('0\tfile\tabc\n', 1)).toThrow('unexpected line from the host');
    expect(() => parseStates('0\tabsent\n', 2)).toThrow('the host did not report on path #1');
  });

  it('names each difference: contents, mode, owner and group by name or id', () => {
    const spec = (over: object) => ({ path: '/x', content: Buffer.from('a'), mode: 0o644, ...over });
    expect(differences(spec({}), file, file.sha256)).toEqual([]);
    expect(differences(spec({ owner: 0, group: 'root' }), file, file.sha256)).toEqual([]);
    expect(differences(spec({ owner: '0' }), file, file.sha256)).toEqual([]);
    expect(differences(spec({ mode: 0o600, owner: 'nobody', group: 65534 }), file, 'other')).toEqual(['contents', 'mode 644 → 600', 'owner root → nobody', 'group root → 65534']);
    expect(differences(spec({}), { kind: 'absent' }, file.sha256)).toEqual(['contents']);
    expect(differences(spec({}), { kind: 'link' }, file.sha256)).toEqual(['contents']);
  });

  it('takes only absolute, normalised file paths', () => {
    expect(splitPath('/etc/kubernetes/admin.conf')).toEqual({ dir: '/etc/kubernetes', name: 'admin.conf' });
    expect(splitPath('/x')).toEqual({ dir: '/', name: 'x' });
    for (const bad of ['etc/x', '/etc/../x', '/etc//x', '/etc/', '/', '/a\nb']) expect(() => splitPath(bad)).toThrow('not an absolute, normalised file path');
  });

  it('lists the parents to make outermost first', () => {
    expect(ancestors('/a/b/c')).toEqual(['/a', '/a/b', '/a/b/c']);
    expect(ancestors('/')).toEqual([]);
  });
});
