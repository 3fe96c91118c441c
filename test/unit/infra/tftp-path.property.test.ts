import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { TftpErrorCode } from '../../../pkg/infra/baremetal/tftp-packet.js';
import { isInsideRoot, MAX_TFTP_NAME, openTftpFile, resolveTftpPath } from '../../../pkg/infra/baremetal/tftp-path.js';

jest.setTimeout(60_000);

const ROOT = '/srv/nkd/tftp';

/** Path segments an attacker (or a confused ROM) would try, and ordinary ones. */
const segment = fc.oneof(
  fc.constantFrom('..', '.', '', '...', '..foo', 'foo..', '%2e%2e', '%2f', '..%2f', '.%2e', '\0', 'a\0b', '\\', '..\\..', 'C:', '~', '\u2025', '\uff0e\uff0e', 'ü', '系统', '🙂'),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', '.', '/'), minLength: 1, maxLength: 300 }),
);
const requestedName = fc.oneof(
  fc.tuple(fc.constantFrom('', '/', '//', '///'), fc.array(segment, { maxLength: 8 }), fc.constantFrom('/', '//', '/./')).map(([lead, segs, sep]) => lead + segs.join(sep)),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: fc.constantFrom('.', '/', '\\', 'a', '\0', '%'), maxLength: 40 }),
);

describe('the TFTP path check', () => {
  it('resolves every name to a refusal or a path strictly inside the root, never outside', () => {
    fc.assert(
      fc.property(requestedName, (name) => {
        const r = resolveTftpPath(ROOT, name);
        if (!r.ok) {
          expect(r.code).toBe(TftpErrorCode.AccessViolation);
          expect(r.reason).toMatch(/^the file name /);
          return;
        }
        expect(isInsideRoot(ROOT, r.path)).toBe(true);
        const rel = relative(ROOT, r.path);
        expect(rel).toBe(r.name);
        expect(rel.split('/')).not.toContain('..');
        expect(r.path.startsWith(`${ROOT}/`)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses every name with a ".." segment, a NUL or a backslash, naming why', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), fc.array(segment, { maxLength: 5 }), fc.constantFrom('..', '\0', '\\'), (before, after, bad) => {
        const name = [...before, bad, ...after].join('/');
        const r = resolveTftpPath(ROOT, name);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toMatch(/"\.\." segment|NUL|backslash|control character|absolute path|longer than/);
      }),
    );
  });

  it('serves ordinary names, with or without one leading slash, repeated slashes folded', () => {
    const plain = fc.stringMatching(/^[A-Za-z0-9_.~%:-]{1,20}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(plain, { minLength: 1, maxLength: 6 }), fc.boolean(), (segs, slash) => {
        const r = resolveTftpPath(ROOT, `${slash ? '/' : ''}${segs.join('//')}`);
        expect(r).toEqual({ ok: true, path: join(ROOT, ...segs), name: segs.join('/') });
      }),
    );
  });

  it('names the reason for the refusals of absolute, empty, over-long and literal-looking names', () => {
    expect(resolveTftpPath(ROOT, '//etc/passwd')).toMatchObject({ ok: false, reason: 'the file name is an absolute path' });
    expect(resolveTftpPath(ROOT, '/')).toMatchObject({ ok: false, reason: 'the file name names the TFTP root directory, not a file' });
    expect(resolveTftpPath(ROOT, 'a/./.')).toMatchObject({ ok: true, name: 'a' });
    expect(resolveTftpPath(ROOT, 'x'.repeat(MAX_TFTP_NAME + 1))).toMatchObject({ ok: false, reason: `the file name is longer than ${MAX_TFTP_NAME} bytes` });
    expect(resolveTftpPath(ROOT, '%2e%2e/%2e%2e/etc/passwd')).toEqual({ ok: true, path: `${ROOT}/%2e%2e/%2e%2e/etc/passwd`, name: '%2e%2e/%2e%2e/etc/passwd' });
    expect(resolveTftpPath(ROOT, 'pxelinux.cfg\\..\\..\\x')).toMatchObject({ ok: false, reason: 'the file name contains a backslash' });
  });
});

describe('opening a requested file in a real tree', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'nkd-tftp-path-')));
    root = join(base, 'root');
    await mkdir(join(root, 'boot'), { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    await writeFile(join(base, 'secret'), 'outside the root\n');
    await writeFile(join(base, 'elsewhere', 'file'), 'outside too\n');
    await writeFile(join(root, 'boot', 'pxelinux.0'), 'boot loader\n');
    await symlink('../secret', join(root, 'out-link'));
    await symlink(join(base, 'secret'), join(root, 'abs-out-link'));
    await symlink('../elsewhere', join(root, 'out-dir'));
    await symlink('boot/pxelinux.0', join(root, 'in-link'));
    await symlink(join(root, 'boot'), join(root, 'abs-in-dir'));
    await symlink('loop-b', join(root, 'loop-a'));
    await symlink('loop-a', join(root, 'loop-b'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  const opened = async (name: string): Promise<string> => {
    const r = await openTftpFile(root, name);
    if (!r.ok) return `refused ${r.code}: ${r.reason}`;
    try {
      return (await r.handle.readFile()).toString();
    } finally {
      await r.handle.close();
    }
  };

  it('refuses symbolic links that lead outside the root, directly or through a linked directory', async () => {
    expect(await opened('out-link')).toBe('refused 2: out-link: a symbolic link leading outside the TFTP root');
    expect(await opened('/abs-out-link')).toBe('refused 2: abs-out-link: a symbolic link leading outside the TFTP root');
    expect(await opened('out-dir/file')).toBe('refused 2: out-dir/file: a symbolic link leading outside the TFTP root');
  });

  it('serves symbolic links that stay inside the root', async () => {
    expect(await opened('in-link')).toBe('boot loader\n');
    expect(await opened('abs-in-dir/pxelinux.0')).toBe('boot loader\n');
    expect(await opened('/boot//pxelinux.0')).toBe('boot loader\n');
  });

  it('answers file not found for missing files, and refuses directories, FIFOs and link loops', async () => {
    expect(await opened('boot/missing')).toBe('refused 1: boot/missing: file not found');
    expect(await opened('boot/pxelinux.0/x')).toBe('refused 1: boot/pxelinux.0/x: file not found');
    expect(await opened('boot')).toBe('refused 2: boot: not a regular file');
    expect(await opened('fifo')).toBe('refused 2: fifo: not a regular file');
    expect(await opened('loop-a')).toBe('refused 2: loop-a: a loop of symbolic links');
    expect(await opened('../secret')).toBe('refused 2: the file name has a ".." segment (outside the TFTP root)');
  });

  it('never opens a file outside the root, whatever name is asked for', async () => {
    const names = fc.array(fc.constantFrom('..', '.', '', 'out-link', 'out-dir', 'in-link', 'boot', 'abs-in-dir', 'pxelinux.0', 'file', 'secret', 'elsewhere', 'root'), { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(names, fc.boolean(), async (segs, slash) => {
        const got = await opened(`${slash ? '/' : ''}${segs.join('/')}`);
        expect(got === 'boot loader\n' || got.startsWith('refused ')).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(await readFile(join(base, 'secret'), 'utf8')).toBe('outside the root\n');
  });
});
