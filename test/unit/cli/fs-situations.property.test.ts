import { jest } from '@jest/globals';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNkd } from '../../helpers/cli.js';
import { clusterFile, NOT_A_BUG, openStateHome, scratch, tree } from './scratch.js';

// Random file-system situations fed to every command that takes -f or --dir: whatever the
// situation, no "internal error", no stack trace, an exit code of the README's table, and no
// file created in the working folder outside the cluster directory.
jest.setTimeout(600_000);

type FileCase = 'valid' | 'missing' | 'directory' | 'unreadable' | 'symlink loop' | 'fifo';
type DirCase = 'absent' | 'empty' | 'file as --dir' | 'under a file' | 'symlink loop' | 'unwritable';

/** Every command that takes -f or --dir, in a form that runs without a hypervisor. */
const COMMANDS: Array<{ name: string; args: (f: string, d: string) => string[]; usesDir: boolean; usesFile: boolean }> = [
  { name: 'validate -f', args: (f) => ['validate', '-f', f], usesDir: false, usesFile: true },
  { name: 'render -f --dir', args: (f, d) => ['render', '-f', f, '--dir', d], usesDir: true, usesFile: true },
  { name: 'deploy --dry-run -f --dir', args: (f, d) => ['deploy', '--dry-run', '-f', f, '--dir', d], usesDir: true, usesFile: true },
  { name: 'extend --dry-run -f --dir', args: (f, d) => ['extend', '--dry-run', '-f', f, '--dir', d], usesDir: true, usesFile: true },
  { name: 'status -f', args: (f) => ['status', '-f', f], usesDir: false, usesFile: true },
  { name: 'status --dir', args: (_f, d) => ['status', '--dir', d], usesDir: true, usesFile: false },
  { name: 'destroy --dry-run --dir', args: (_f, d) => ['destroy', '--dry-run', '--dir', d], usesDir: true, usesFile: false },
  { name: 'destroy --yes -f --dir', args: (f, d) => ['destroy', '--yes', '-f', f, '--dir', d], usesDir: true, usesFile: true },
];

/** Makes the situation in `root`; returns the -f and --dir arguments (relative to root). */
function arrange(root: string, file: FileCase, dir: DirCase): { f: string; d: string } {
  clusterFile(root, (doc) => (doc.spec.libvirt.uri = 'qemu+tcp://127.0.0.1:1/system'), 'good.yaml');
  let f = 'good.yaml';
  if (file === 'missing') f = 'missing.yaml';
  if (file === 'directory') mkdirSync(join(root, (f = 'adir')));
  if (file === 'unreadable') chmodSync(join(root, f), 0o600);
  if (file === 'symlink loop') symlinkSync('loop.yaml', join(root, (f = 'loop.yaml')));
  if (file === 'fifo') execFileSync('mkfifo', ['-m', '644', join(root, (f = 'fifo.yaml'))]);
  let d = 'out';
  if (dir === 'empty') mkdirSync(join(root, d), { mode: 0o755 });
  if (dir === 'file as --dir') writeFileSync(join(root, (d = 'afile')), 'x');
  if (dir === 'under a file') {
    writeFileSync(join(root, 'plain'), 'x');
    d = 'plain/out';
  }
  if (dir === 'symlink loop') symlinkSync('dirloop', join(root, (d = 'dirloop')));
  return { f, d };
}

describe('every command that takes -f or --dir, in random file-system situations', () => {
  it('never reports an internal error or a stack, exits with a documented code, and creates nothing outside the cluster directory', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMANDS),
        fc.constantFrom<FileCase>('valid', 'missing', 'directory', 'unreadable', 'symlink loop', 'fifo'),
        fc.constantFrom<DirCase>('absent', 'empty', 'file as --dir', 'under a file', 'symlink loop', 'unwritable'),
        fc.boolean(),
        (cmd, file, dir, brokenLog) => {
          const root = scratch();
          const { f, d } = arrange(root, file, dir);
          const asNobody = file === 'unreadable' || dir === 'unwritable';
          const env: Record<string, string> = { XDG_STATE_HOME: brokenLog ? join(root, 'good.yaml', 'state') : asNobody ? openStateHome() : join(root, '..', `${root.split('/').pop()}-state`) };
          if (brokenLog) env.HOME = '/nonexistent';
          const before = tree(root);
          const r = runNkd(cmd.args(f, d), { cwd: root, env, asNobody });
          const label = { cmd: cmd.name, file, dir, brokenLog, code: r.code };
          expect({ ...label, stderr: NOT_A_BUG.test(r.stderr) ? r.stderr : 'clean' }).toEqual({ ...label, stderr: 'clean' });
          expect([0, 1, 2]).toContain(r.code);
          // The cluster directory: --dir when the command takes it, else ./<metadata.name> of -f.
          const clusterDir = cmd.usesDir ? d : 'demo';
          const created = tree(root).filter((p) => !before.includes(p) && p !== clusterDir && !p.startsWith(`${clusterDir}/`));
          expect({ ...label, created }).toEqual({ ...label, created: [] });
        },
      ),
      { numRuns: 24, seed: Number(process.env.NKD_PROPERTY_SEED ?? Date.now() % 1_000_000) },
    );
  });
});
