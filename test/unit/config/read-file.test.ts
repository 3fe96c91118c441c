import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterConfig } from '../../../pkg/config/load.js';
import { MAX_FILE_BYTES } from '../../../pkg/config/parse.js';
import { NkdError } from '../../../pkg/ui/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'nkd-read-'));

async function message(file: string): Promise<string> {
  const e = await loadClusterConfig({ file, env: {} }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(NkdError);
  expect((e as NkdError).code).toBe(2);
  return (e as NkdError).message;
}

describe('reading the cluster file', () => {
  it('refuses a file larger than the limit before parsing it', async () => {
    const f = join(dir, 'huge.yaml');
    writeFileSync(f, Buffer.alloc(MAX_FILE_BYTES + 1, 'a'));
    expect(await message(f)).toBe(`${f}: ${MAX_FILE_BYTES + 1} bytes is larger than the ${MAX_FILE_BYTES} bytes a cluster file may have`);
  });

  it('refuses a file that is not UTF-8', async () => {
    const f = join(dir, 'latin1.yaml');
    writeFileSync(f, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(await message(f)).toBe(`${f}: not UTF-8 text`);
  });

  it('refuses a file with several YAML documents', async () => {
    const f = join(dir, 'multi.yaml');
    writeFileSync(f, 'a: 1\n---\nb: 2\n');
    expect(await message(f)).toBe(`${f}: holds 2 YAML documents; a cluster file is one document`);
  });

  it('refuses a document that is a list', async () => {
    const f = join(dir, 'list.yaml');
    writeFileSync(f, '- a\n- b\n');
    expect(await message(f)).toBe(`${f}: the document must be a mapping (apiVersion, kind, metadata, spec), not a list`);
  });

  it('refuses a file of comments only', async () => {
    const f = join(dir, 'comments.yaml');
    writeFileSync(f, '# nothing here\n');
    expect(await message(f)).toBe(`${f}: the file holds no document`);
  });
});
