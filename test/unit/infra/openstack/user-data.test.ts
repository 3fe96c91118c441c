import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha512Hex } from '../../../../pkg/ignition/pointer.js';
import { OPENSTACK_USER_DATA_MAX_RAW } from '../../../../pkg/ignition/size.js';
import { readUserData } from '../../../../pkg/infra/openstack/user-data.js';
import { ExitCode, NkdError } from '../../../../pkg/ui/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nkd-os-ud-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const node = async (name: string, bytes: number) => {
  const path = join(dir, `${name}.ign`);
  const data = Buffer.alloc(bytes, 'x');
  await writeFile(path, data);
  return { name, ignitionPath: path, ignitionSha512: sha512Hex(data) };
};

describe('user data against Nova\'s limit', () => {
  test('first stages at the limit pass and are returned byte for byte', async () => {
    const nodes = [await node('m1', OPENSTACK_USER_DATA_MAX_RAW), await node('w1', 100)];
    const got = await readUserData(nodes);
    expect(got.get('m1')!.length).toBe(OPENSTACK_USER_DATA_MAX_RAW);
    expect(got.get('w1')!.toString()).toBe('x'.repeat(100));
  });

  test('every node over the limit is named in one usage error, before anything is created', async () => {
    const nodes = [await node('a', OPENSTACK_USER_DATA_MAX_RAW + 1), await node('b', 10), await node('c', 60000)];
    const e = (await readUserData(nodes).catch((x: unknown) => x)) as NkdError;
    expect(e).toBeInstanceOf(NkdError);
    expect(e.code).toBe(ExitCode.Usage);
    expect(e.message).toBe('2 nodes\' user data would be over Nova\'s limit; nothing was created');
    expect(e.details).toEqual([
      'node a: its first stage is 49150 bytes; Nova takes at most 49149 (65535 once base64-encoded)',
      'node c: its first stage is 60000 bytes; Nova takes at most 49149 (65535 once base64-encoded)',
    ]);
  });

  test('a first stage changed since render is refused', async () => {
    const n = await node('d', 10);
    await writeFile(n.ignitionPath, 'changed');
    await expect(readUserData([n])).rejects.toThrow(`node d: ${n.ignitionPath} changed since render`);
  });
});
