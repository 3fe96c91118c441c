/**
 * The OpenStack provider against the real services of hack/openstack/cloud.sh (./cloud.ts; Keystone, Glance,
 * Placement, Neutron with its linuxbridge agent, Nova with the fake virt driver): what it
 * creates, adopts and deletes is asserted on the services' own listings.
 */
import { jest } from '@jest/globals';
import yaml from 'js-yaml';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Journal } from '../../../pkg/infra/journal.js';
import type { OpenStackApi } from '../../../pkg/infra/openstack/api.js';
import { clusterTag } from '../../../pkg/infra/openstack/names.js';
import { OpenStackProvider } from '../../../pkg/infra/openstack/provider.js';
import { openstackSettings } from '../../../pkg/infra/openstack/settings.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { ExitCode, NkdError } from '../../../pkg/ui/errors.js';
import { OPENSTACK_USER_DATA_MAX_RAW } from '../../../pkg/ignition/size.js';
import { describeWithOpenStack, startTestCloud, type TestCloud } from './cloud.js';
import { cloudApi, listedResources, openJournal, recordingProgress, renderedCluster } from './provider-fixture.js';

jest.setTimeout(20 * 60_000);
const execFileP = promisify(execFile);

let cloud: TestCloud;
let admin: OpenStackApi;
let member: OpenStackApi;
const dirs: string[] = [];

let bootPort = 19180;
const provider = (config: ClusterConfig) => new OpenStackProvider(openstackSettings(config), {
  cloudsEnv: { env: { OS_CLIENT_CONFIG_FILE: cloud.cloudsYaml }, cwd: '/nonexistent', home: '/nonexistent' },
  waits: { activeMs: 180_000, pollMs: 500 },
  retry: { attempts: 5, baseMs: 300, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  deleteWaitMs: 120_000,
});
const cluster = async (name: string, opts: Omit<Parameters<typeof renderedCluster>[1], 'bootPort'> = {}) => {
  const r = await renderedCluster(name, { ...opts, bootPort: bootPort++, extra: { flavor: 'm1.tiny', ...opts.extra } });
  dirs.push(r.dir);
  return { ...r, journal: await openJournal(r.dir, r.config) };
};
const cpAndWorker = (n: string) => [{ name: `${n}-m1`, role: 'control-plane', ip: '10.231.0.11' }, { name: `${n}-w1`, role: 'worker', ip: '10.231.0.21' }];

describeWithOpenStack('the OpenStack provider on real OpenStack services', () => {
  beforeAll(async () => {
    cloud = await startTestCloud();
    admin = await cloudApi(cloud.cloudsYaml, 'nkd-admin');
    member = await cloudApi(cloud.cloudsYaml, 'nkd-test');
  }, 30 * 60_000);
  afterAll(async () => {
    await cloud?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('wrong credentials are refused naming where they came from, before anything is created', async () => {
    const { config } = await cluster('badauth', { vip: false, nodes: cpAndWorker('b') });
    const p = new OpenStackProvider({ ...openstackSettings(config), auth: { ...openstackSettings(config).auth, cloud: undefined, authURL: cloud.cloud.auth.auth_url, username: 'nkd', project: 'nkd', password: 'wrong', userDomain: 'Default', projectDomain: 'Default' } });
    await expect(p.preflight()).rejects.toThrow(/^Keystone refused the credentials of spec\.openstack: /);
  });

  test('an application credential of the member user (clouds.yaml, v3applicationcredential) passes the deploy preflight; a wrong secret is refused', async () => {
    // The credential the docs recommend: made by the member user itself, no password in any file nkd reads.
    const auth = cloud.cloud.auth;
    const login = await fetch(`${auth.auth_url}/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: auth.username, domain: { name: 'Default' }, password: auth.password } } }, scope: { project: { name: auth.project_name, domain: { name: 'Default' } } } } }),
    });
    expect(login.status).toBe(201);
    const token = login.headers.get('x-subject-token')!;
    const userId = ((await login.json()) as { token: { user: { id: string } } }).token.user.id;
    const made = await fetch(`${auth.auth_url}/users/${userId}/application_credentials`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({ application_credential: { name: `nkd-appcred-${Date.now()}`, description: 'nkd provider test' } }),
    });
    expect(made.status).toBe(201);
    const cred = ((await made.json()) as { application_credential: { id: string; secret: string } }).application_credential;
    const dir = await mkdtemp(join(tmpdir(), 'nkd-appcred-'));
    dirs.push(dir);
    const cloudsFile = join(dir, 'clouds.yaml');
    const entry = (secret: string) => ({ auth_type: 'v3applicationcredential', region_name: 'RegionOne', auth: { auth_url: auth.auth_url, application_credential_id: cred.id, application_credential_secret: secret } });
    // Keystone keeps a bcrypt hash of the secret, which reads only its first 72 bytes: change the first.
    await writeFile(cloudsFile, yaml.dump({ clouds: { appcred: entry(cred.secret), wrong: entry(`${cred.secret[0] === 'A' ? 'B' : 'A'}${cred.secret.slice(1)}`) } }), { mode: 0o600 });
    const { config } = await cluster('appcred', { vip: false, nodes: cpAndWorker('a') });
    const withCloud = (name: string) => new OpenStackProvider({ ...openstackSettings(config), auth: { ...openstackSettings(config).auth, cloud: name } }, {
      cloudsEnv: { env: { OS_CLIENT_CONFIG_FILE: cloudsFile }, cwd: '/nonexistent', home: '/nonexistent' },
    });
    await expect(withCloud('appcred').preflight('deploy')).resolves.toBeUndefined();
    await expect(withCloud('wrong').preflight('connect')).rejects.toThrow(/^Keystone refused the credentials of clouds\.yaml entry 'wrong' in \S+clouds\.yaml: /);
  });

  test('deploys 3 control planes + 2 workers: exactly the planned resources, tagged; servers ACTIVE; user data is each first stage; destroy leaves nothing', async () => {
    const { config, desired, journal } = await cluster('demo', { extra: { apiFloatingIP: true } });
    const tag = clusterTag('demo');
    const p = provider(config);
    await p.preflight();
    const plan = await p.plan(desired, journal);
    expect(plan.items.every((i) => i.action === 'create')).toBe(true);
    const progress = recordingProgress();
    const boot = await p.serve(plan, { progress });
    let hosts;
    try {
      hosts = await p.apply(plan, journal, { progress, concurrency: 3 });
      // Each bundle goes only to its node's port IP: this machine (127.0.0.1) is refused.
      const res = await fetch(`${boot.url.replace('0.0.0.0', '127.0.0.1')}/nkd/v1/secrets/master-1`);
      expect(res.status).toBe(403);
    } finally {
      await boot.stop();
    }
    expect(hosts.map((h) => [h.name, h.ip])).toEqual([['master-1', '10.231.0.11'], ['master-2', '10.231.0.12'], ['master-3', '10.231.0.13'], ['worker-1', '10.231.0.21'], ['worker-2', '10.231.0.22']]);

    const planned = plan.items.filter((i) => i.kind !== 'router-interface').map((i) => `${i.kind} ${i.name}`).sort();
    expect(await listedResources(member, 'demo', tag)).toEqual(planned);
    for (const s of (await member.get<{ servers: Array<{ id: string; name: string; status: string; tags: string[] }> }>('compute', `/servers/detail?tags=${encodeURIComponent(tag)}`, 'list')).servers) {
      expect([s.status, s.tags]).toEqual(['ACTIVE', [tag]]);
      const node = s.name.replace('nkd-demo-', '');
      const full = (await admin.get<{ server: Record<string, string> }>('compute', `/servers/${s.id}`, 'read')).server;
      const userData = Buffer.from(full['OS-EXT-SRV-ATTR:user_data']!, 'base64');
      const firstStage = await readFile(desired.nodes.find((n) => n.name === node)!.ignitionPath);
      expect(userData.equals(firstStage)).toBe(true);
      expect(userData.length).toBeLessThanOrEqual(OPENSTACK_USER_DATA_MAX_RAW);
      expect(full['config_drive']).toBe('True');
    }
    // The VIP: its own port, and in every control plane's allowed address pairs.
    const ports = await member.get<{ ports: Array<{ name: string; fixed_ips: Array<{ ip_address: string }>; allowed_address_pairs: Array<{ ip_address: string }> }> }>('network', `/v2.0/ports?tags=${encodeURIComponent(tag)}`, 'list');
    expect(ports.ports.find((x) => x.name === 'nkd-demo-api-vip')!.fixed_ips[0]!.ip_address).toBe('10.231.0.10');
    expect(ports.ports.filter((x) => x.allowed_address_pairs.some((a) => a.ip_address === '10.231.0.10')).map((x) => x.name).sort()).toEqual(['nkd-demo-master-1', 'nkd-demo-master-2', 'nkd-demo-master-3']);
    // The API's floating IP points at the VIP (ACTIVE needs an L3 agent, which the test cloud does not run).
    const fips = (await member.get<{ floatingips: Array<{ fixed_ip_address: string; description: string }> }>('network', `/v2.0/floatingips?tags=${encodeURIComponent(tag)}`, 'list')).floatingips;
    expect(fips.map((f) => [f.description, f.fixed_ip_address])).toEqual([['nkd-demo-api-vip', '10.231.0.10']]);
    expect(journal.entries().filter((e) => e.owned).every((e) => e.state === 'created' && e.attrs.id)).toBe(true);

    // A second run plans keep for everything and creates nothing.
    const again = provider(config);
    const plan2 = await again.plan(desired, journal);
    expect(plan2.items.map((i) => i.action)).toEqual(plan.items.map(() => 'keep'));
    await again.apply(plan2, journal, { progress: recordingProgress() });
    expect(await listedResources(member, 'demo', tag)).toEqual(planned);

    const st = await again.status(journal);
    expect(st.filter((x) => x.kind === 'server').map((x) => x.state)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);

    const report = await again.destroy(journal, { progress: recordingProgress() });
    expect(report.remaining).toEqual([]);
    expect(report.deleted).toHaveLength(plan.items.length);
    expect(await listedResources(admin, 'demo', tag)).toEqual([]);
    expect(journal.entries()).toEqual([]);
  });

  test('interrupted after each resource, re-runs finish the cluster and create nothing twice', async () => {
    const { config, desired, journal } = await cluster('cut', { nodes: [...cpAndWorker('c'), { name: 'c-w2', role: 'worker', ip: '10.231.0.22' }], vip: true, extra: {} });
    const tag = clusterTag('cut');
    const first = await provider(config).plan(desired, journal);
    let runs = 0;
    for (;;) {
      const ctrl = new AbortController();
      const progress = recordingProgress((l) => / created \(/.test(l) && ctrl.abort());
      const p = provider(config);
      try {
        await p.apply(await p.plan(desired, journal), journal, { progress, signal: ctrl.signal, concurrency: 1 });
        break;
      } catch (e) {
        expect([(e as NkdError).code, (e as Error).message]).toEqual([ExitCode.Interrupted, 'interrupted; the journal is kept, re-run to resume']);
      }
      runs++;
      expect(runs).toBeLessThan(40);
    }
    expect(runs).toBe(first.items.length);
    const listed = await listedResources(member, 'cut', tag);
    expect(listed).toEqual(first.items.filter((i) => i.kind !== 'router-interface').map((i) => `${i.kind} ${i.name}`).sort());
    expect(new Set(listed).size).toBe(listed.length);
    // The journal lost: destroy sweeps by tag (server groups by name) and leaves nothing either.
    const lost = await Journal.open(join(dirs.at(-1)!, 'lost.json'), { clusterId: 'cut', provider: 'openstack' });
    const report = await provider(config).destroy(lost, { progress: recordingProgress() });
    expect(report.remaining).toEqual([]);
    expect(report.deleted.map((r) => `${r.kind} ${r.name}`).sort()).toEqual(listed);
    expect(await listedResources(admin, 'cut', tag)).toEqual([]);
  });

  test('extend adds only the new node\'s port and server, with the same security group; the boot service offers only its bundle', async () => {
    const nodes = cpAndWorker('e');
    const first = await cluster('ext', { vip: false, nodes });
    const tag = clusterTag('ext');
    await provider(first.config).apply(await provider(first.config).plan(first.desired, first.journal), first.journal, { progress: recordingProgress() });
    const more = await renderedCluster('ext', { vip: false, nodes: [...nodes, { name: 'e-w2', role: 'worker', ip: '10.231.0.22' }], bootPort: bootPort++, extra: { flavor: 'm1.tiny' } });
    dirs.push(more.dir);
    const p = provider(more.config);
    const plan = await p.plan(more.desired, first.journal);
    expect(plan.items.filter((i) => i.action !== 'keep').map((i) => `${i.action} ${i.kind} ${i.name}`)).toEqual(['create port nkd-ext-e-w2', 'create server nkd-ext-e-w2']);
    const progress = recordingProgress();
    const boot = await p.serve(plan, { progress });
    try {
      await p.apply(plan, first.journal, { progress });
      const url = boot.url.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${url}/nkd/v1/secrets/e-w1`)).status).toBe(404);
      expect((await fetch(`${url}/nkd/v1/secrets/e-w2`)).status).toBe(403);
    } finally {
      await boot.stop();
    }
    const ports = (await member.get<{ ports: Array<{ name: string; security_groups: string[] }> }>('network', `/v2.0/ports?tags=${encodeURIComponent(tag)}`, 'list')).ports;
    const group = (n: string) => ports.find((x) => x.name === n)!.security_groups;
    expect(group('nkd-ext-e-w2')).toEqual(group('nkd-ext-e-w1'));
    expect((await listedResources(member, 'ext', tag)).filter((x) => x.startsWith('server '))).toEqual(['server nkd-ext-e-m1', 'server nkd-ext-e-w1', 'server nkd-ext-e-w2']);
    expect((await provider(more.config).destroy(first.journal, { progress: recordingProgress() })).remaining).toEqual([]);
    expect(await listedResources(admin, 'ext', tag)).toEqual([]);
  });

  test('a local qcow2 is uploaded to Glance once, tagged, and deleted by destroy as nkd made it', async () => {
    const { config, desired, journal } = await cluster('up', { vip: false, nodes: cpAndWorker('u').slice(0, 1), extra: { image: 'nkd-up-nestos', imageFile: join(tmpdir(), `nkd-up-${process.pid}.qcow2`) } });
    const file = openstackSettings(config).imageFile!;
    await execFileP('qemu-img', ['create', '-q', '-f', 'qcow2', file, '16M']);
    try {
      const p = provider(config);
      const plan = await p.plan(desired, journal);
      expect(plan.items[0]).toMatchObject({ kind: 'image', name: 'nkd-up-nestos', action: 'create' });
      await p.apply(plan, journal, { progress: recordingProgress() });
      const images = (await member.get<{ images: Array<{ status: string; visibility: string; tags: string[]; size: number }> }>('image', '/v2/images?name=nkd-up-nestos', 'list')).images;
      expect(images.map((i) => [i.status, i.visibility, i.tags, i.size])).toEqual([['active', 'private', [clusterTag('up')], (await stat(file)).size]]);
      expect((await provider(config).plan(desired, journal)).items[0]).toMatchObject({ kind: 'image', action: 'keep' });
      expect((await provider(config).destroy(journal, { progress: recordingProgress() })).deleted).toContainEqual({ kind: 'image', name: 'nkd-up-nestos' });
      expect((await member.get<{ images: unknown[] }>('image', '/v2/images?name=nkd-up-nestos', 'list')).images).toEqual([]);
    } finally {
      await rm(file, { force: true });
    }
  });

  test('quota exhaustion is reported with the numbers and the fix, before anything is created', async () => {
    const { config, desired, journal } = await cluster('quota');
    const project = member.session.project!.id;
    await admin.put('compute', `/os-quota-sets/${project}`, 'lower the instances quota', { quota_set: { instances: 2 } });
    try {
      const e = (await provider(config).plan(desired, journal).catch((x: unknown) => x)) as NkdError;
      expect(e.message).toBe('the project\'s quotas do not cover this deploy; nothing was created');
      expect(e.details).toEqual([expect.stringMatching(/^servers: the plan needs 5, the project has [0-2] free \(quota 2, \d in use\); free some, or raise the quota \(openstack quota set --instances \d+ nkd\)$/)]);
      expect(await listedResources(admin, 'quota', clusterTag('quota'))).toEqual([]);
      expect(journal.entries()).toEqual([]);
    } finally {
      await admin.put('compute', `/os-quota-sets/${project}`, 'restore the instances quota', { quota_set: { instances: 40 } });
    }
  });

  test('a server Nova cannot place goes to ERROR: the run stops with Nova\'s fault, the journal intact, and destroy removes it', async () => {
    // Nova's fake hypervisor has 600000 GB of disk: a flavor asking 700000 GB passes the API and quotas (none on disk), and the scheduler finds no host.
    const flavor = await admin.post<{ flavor: { id: string } }>('compute', '/flavors', 'create flavor', { flavor: { name: `nkd-no-host-${Date.now()}`, vcpus: 1, ram: 512, disk: 700000 } });
    try {
      const { config, desired, journal } = await cluster('fail', { vip: false, nodes: cpAndWorker('f').slice(0, 1), extra: { flavor: flavor.flavor.id } });
      const p = provider(config);
      const e = (await p.apply(await p.plan(desired, journal), journal, { progress: recordingProgress() }).catch((x: unknown) => x)) as NkdError;
      expect(e.message).toMatch(/^server nkd-fail-f-m1 went to ERROR: No valid host was found\..*\(fault code 500\)$/);
      expect(journal.get('server', 'nkd-fail-f-m1')).toMatchObject({ state: 'created', attrs: { id: expect.any(String) } });
      const report = await provider(config).destroy(journal, { progress: recordingProgress() });
      expect(report.remaining).toEqual([]);
      expect(await listedResources(admin, 'fail', clusterTag('fail'))).toEqual([]);
    } finally {
      await admin.delete('compute', `/flavors/${flavor.flavor.id}`, 'delete flavor');
    }
  });
});

