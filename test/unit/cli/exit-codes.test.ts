import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../pkg/paths.js';
import { ExitCode } from '../../../pkg/ui/errors.js';
import { runNkd } from '../../helpers/cli.js';
import { scratch } from './scratch.js';

/** The rows of the README's exit-code table: code → meaning. */
function readmeTable(): Map<number, string> {
  const text = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Exit codes'), text.indexOf('\n## ', text.indexOf('## Exit codes') + 1));
  const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)];
  return new Map(rows.map((m) => [Number(m[1]), m[2]!]));
}

describe('the exit codes', () => {
  it('the README has one table, listing exactly the exit codes nkd uses', () => {
    const table = readmeTable();
    expect([...table.keys()].sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
    expect(table.get(ExitCode.Failure)).toMatch(/^runtime failure: a provider \(libvirt unreachable or failing\)/);
    expect(table.get(ExitCode.Usage)).toMatch(/^usage or configuration error/);
    expect(table.get(ExitCode.Timeout)).toMatch(/^timeout/);
    expect(table.get(ExitCode.Interrupted)).toMatch(/^interrupted/);
  });

  it('means what the table says: 0 for success, 2 for a usage or configuration error, 1 for an unreachable platform', () => {
    const dir = scratch();
    expect(runNkd(['version']).code).toBe(ExitCode.Ok);
    expect(runNkd(['validate', '-f', join(dir, 'missing.yaml')]).code).toBe(ExitCode.Usage);
    expect(runNkd(['render', '--bogus']).code).toBe(ExitCode.Usage);
    expect(runNkd([]).code).toBe(ExitCode.Usage);
    // 1 (unreachable libvirt) and 130 (SIGTERM) are run in new-user.test.ts, items 10 and 9.
  });
});
