import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { resolveOpenStackAuth, searchPath, v3Url, type CloudsEnv } from '../../../pkg/infra/openstack/clouds.js';
import type { OpenStackPlatform } from '../../../pkg/config/types.gen.js';

let dir: string;
let e: CloudsEnv;
const section = (o: Partial<OpenStackPlatform> = {}): OpenStackPlatform => ({ userDomain: 'Default', projectDomain: 'Default', ...o } as OpenStackPlatform);
const write = async (path: string, doc: unknown, mode = 0o600) => {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, yaml.dump(doc));
  await chmod(path, mode);
};
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('resolved'); }, (err: Error & { hint?: string }) => ({ message: err.message, hint: err.hint }));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nkd-clouds-'));
  e = { env: {}, cwd: join(dir, 'work'), home: join(dir, 'home'), etc: join(dir, 'etc') };
  await mkdir(e.cwd, { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const entry = { auth: { auth_url: 'https://keystone.example:5000', username: 'nkd', project_name: 'k8s', user_domain_name: 'Users' }, region_name: 'RegionTwo' };

describe('clouds.yaml, as OpenStack\'s tools find it', () => {
  test('is searched in openstacksdk\'s order, OS_CLIENT_CONFIG_FILE first', () => {
    expect(searchPath('clouds.yaml', { ...e, env: { OS_CLIENT_CONFIG_FILE: 'mine.yaml' } })).toEqual([
      join(e.cwd, 'mine.yaml'), join(e.cwd, 'clouds.yaml'), join(e.home, '.config/openstack/clouds.yaml'), join(dir, 'etc/clouds.yaml'),
    ]);
  });

  test('the first file that exists is used, and secure.yaml is merged over its entry', async () => {
    await write(join(e.home, '.config/openstack/clouds.yaml'), { clouds: { lab: entry } });
    await write(join(e.cwd, 'clouds.yaml'), { clouds: { lab: { ...entry, region_name: 'RegionOne' } } });
    await write(join(e.home, '.config/openstack/secure.yaml'), { clouds: { lab: { auth: { password: 's3cret' } } } });
    const a = await resolveOpenStackAuth(section({ cloud: 'lab' }), e);
    expect(a).toEqual({
      authUrl: 'https://keystone.example:5000/v3', region: 'RegionOne', interface: 'public',
      method: { kind: 'password', username: 'nkd', password: 's3cret', userDomain: { name: 'Users' }, project: { name: 'k8s' }, projectDomain: { id: 'default' } },
      source: `clouds.yaml entry 'lab' in ${join(e.cwd, 'clouds.yaml')}`, warnings: [],
    });
  });

  test('OS_CLOUD names the entry when the cluster file does not; the cluster file\'s fields win over the entry', async () => {
    await write(join(e.cwd, 'clouds.yaml'), { clouds: { lab: { ...entry, auth: { ...entry.auth, password: 'from-file' } } } });
    const a = await resolveOpenStackAuth(section({ password: 'from-env', region: 'RegionThree' }), { ...e, env: { OS_CLOUD: 'lab' } });
    expect(a).toMatchObject({ region: 'RegionThree', method: { password: 'from-env' } });
    expect(a.warnings).toEqual([]); // the file is 0600
  });

  test('a secret in a file others can read is a warning naming the file and the fix', async () => {
    await write(join(e.cwd, 'clouds.yaml'), { clouds: { lab: { ...entry, auth: { ...entry.auth, password: 'p' } } } }, 0o644);
    const a = await resolveOpenStackAuth(section({ cloud: 'lab' }), e);
    expect(a.warnings).toEqual([`${join(e.cwd, 'clouds.yaml')} holds a secret and is readable by others (mode 0644): chmod 600 it, or move the secret to secure.yaml (mode 0600)`]);
  });

  test('an application credential needs no project and no user', async () => {
    await write(join(e.cwd, 'clouds.yaml'), { clouds: { ac: { auth_type: 'v3applicationcredential', auth: { auth_url: 'https://k.example/identity/v3/', application_credential_id: 'abc' } } } });
    await write(join(e.cwd, 'secure.yaml'), { clouds: { ac: { auth: { application_credential_secret: 'xyz' } } } });
    expect((await resolveOpenStackAuth(section({ cloud: 'ac' }), e))).toMatchObject({ authUrl: 'https://k.example/identity/v3', method: { kind: 'application-credential', id: 'abc', secret: 'xyz' } });
  });

  test('the cluster file alone: authURL, username, project; the password from NKD_OPENSTACK_PASSWORD', async () => {
    const a = await resolveOpenStackAuth(section({ authURL: 'http://127.0.0.1:5000/v3', username: 'nkd', project: 'k8s', password: 'p' }), e);
    expect(a).toMatchObject({ authUrl: 'http://127.0.0.1:5000/v3', source: 'spec.openstack', method: { kind: 'password', userDomain: { name: 'Default' }, projectDomain: { name: 'Default' } } });
  });

  type Case = readonly [string, () => Promise<void>, Partial<OpenStackPlatform>, RegExp];
  test.each<Case>([
    ['no file anywhere', async (): Promise<void> => undefined, { cloud: 'lab' },
      /^spec\.openstack\.cloud: lab: no clouds\.yaml found \(looked in .*work\/clouds\.yaml, .*home\/\.config\/openstack\/clouds\.yaml, .*etc\/clouds\.yaml\)$/],
    ['a cloud the file does not have, listing the ones it has', async () => write(join(e.cwd, 'clouds.yaml'), { clouds: { lab: entry, prod: entry } }), { cloud: 'stage' },
      /has no cloud named "stage" \(it has lab, prod\)$/],
    ['no password anywhere', async () => write(join(e.cwd, 'clouds.yaml'), { clouds: { lab: entry } }), { cloud: 'lab' }, /: no password$/],
    ['verify: false', async () => write(join(e.cwd, 'clouds.yaml'), { clouds: { lab: { ...entry, verify: false } } }), { cloud: 'lab', password: 'p' }, /verify: false turns off TLS verification/],
    ['not YAML', async () => writeFile(join(e.cwd, 'clouds.yaml'), 'clouds: [\n'), { cloud: 'lab' }, /clouds\.yaml: not valid YAML/],
    ['Keystone v2', async (): Promise<void> => undefined, { authURL: 'https://k.example:5000/v2.0', username: 'u', project: 'p', password: 'x' }, /^spec\.openstack\.authURL: https:\/\/k\.example:5000\/v2\.0 is Keystone's v2 API$/],
  ])('refuses %s, naming the field or file', async (_name, setup, o, message) => {
    await setup();
    const err = await fail(resolveOpenStackAuth(section(o), e));
    expect(err.message).toMatch(message);
    expect(err.hint).toBeTruthy();
  });

  test('v3Url adds /v3 to a bare Keystone URL and keeps a path prefix', () => {
    expect(v3Url('https://k.example:5000', 'f')).toBe('https://k.example:5000/v3');
    expect(v3Url('https://k.example/identity/', 'f')).toBe('https://k.example/identity/v3');
    expect(v3Url('https://k.example/identity/v3/', 'f')).toBe('https://k.example/identity/v3');
  });
});
