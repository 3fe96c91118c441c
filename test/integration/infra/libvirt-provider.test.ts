import { jest } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Journal } from '../../../pkg/infra/journal.js';
import { LibvirtProvider } from '../../../pkg/infra/libvirt/provider.js';
import { libvirtJournalSettings } from '../../../pkg/infra/libvirt/platform.js';
import { openVirsh, type Virsh } from '../../../pkg/infra/libvirt/virsh.js';
import { listDomains, listNetworks, listPools, listVolumes, getNetwork, getDomain } from '../../../pkg/infra/libvirt/inspect.js';
import { ExitCode, NkdError } from '../../../pkg/ui/errors.js';
import { desiredCluster, fakeQcow2, recordingProgress, scratch, testDriverSettings } from './libvirt-fixture.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(120_000);

// Every test runs one scenario through one virsh session: the test driver keeps state per connection.
let dir: string;
let v: Virsh;
beforeEach(async () => {
  dir = await scratch();
  await fakeQcow2(join(dir, 'os.qcow2'));
  v = openVirsh('test:///default');
});
afterEach(async () => {
  await v.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(nodes = ['master-1', 'worker-1', 'worker-2']) {
  const settings = testDriverSettings(dir, 'demo');
  const provider = new LibvirtProvider(settings, { virsh: v });
  const journal = await Journal.open(join(dir, '.nkd', 'journal.json'), { clusterId: 'demo', provider: 'libvirt', providerConfig: libvirtJournalSettings(settings) });
  const desired = await desiredCluster(dir, 'demo', nodes);
  return { settings, provider, journal, desired, progress: recordingProgress() };
}

const ours = (names: string[]) => names.filter((n) => n.startsWith('demo-') || n === 'nkd-demo').sort();

describe('the libvirt provider on the test driver', () => {
  it('plans every resource as a creation on an empty host', async () => {
    const { provider, journal, desired } = await setup();
    const plan = await provider.plan(desired, journal);
    expect(plan.items.map((i) => `${i.action} ${i.kind} ${i.name}`)).toEqual([
      'create network nkd-demo',
      'create pool nkd-demo',
      'create volume demo-base.qcow2',
      'create volume demo-master-1.ign', 'create volume demo-master-1.qcow2', 'create domain demo-master-1',
      'create volume demo-worker-1.ign', 'create volume demo-worker-1.qcow2', 'create domain demo-worker-1',
      'create volume demo-worker-2.ign', 'create volume demo-worker-2.qcow2', 'create domain demo-worker-2',
    ]);
  });

  it('creates a network with a DHCP entry per node, a pool, a base volume, and per node its own Ignition volume, overlay and running domain', async () => {
    const { provider, journal, desired, progress } = await setup();
    const hosts = await provider.apply(await provider.plan(desired, journal), journal, { progress });
    expect(hosts.map((h) => h.name)).toEqual(['master-1', 'worker-1', 'worker-2']);
    expect(ours(await listDomains(v))).toEqual(['demo-master-1', 'demo-worker-1', 'demo-worker-2']);
    expect(await listVolumes(v, 'nkd-demo')).toEqual(expect.arrayContaining(['demo-base.qcow2', 'demo-master-1.ign', 'demo-master-1.qcow2', 'demo-worker-2.qcow2']));
    const net = await getNetwork(v, 'nkd-demo');
    expect(net?.hosts.map((h) => h.ip)).toEqual(['10.231.7.11', '10.231.7.12', '10.231.7.13']);
    const xml = await v.run(['dumpxml', 'demo-worker-1']);
    expect(xml).toContain("<entry name='opt/com.coreos/config' file='/var/lib/libvirt/images/nkd-demo/demo-worker-1.ign'/>");
    expect(xml).toContain("<domain type='qemu'");
    expect(xml).toContain('<acpi/>');
    expect(xml).toMatch(/<nkd:cluster xmlns:nkd="https:\/\/nestos.openeuler.org\/nkd\/1" id="demo" node="worker-1" role="worker"\/>/);
    expect((await v.run(['vol-dumpxml', '--pool', 'nkd-demo', 'demo-worker-1.qcow2']))).toContain('<path>/var/lib/libvirt/images/nkd-demo/demo-base.qcow2</path>');
    const j = JSON.parse(await readFile(journal.file, 'utf8'));
    expect(j.entries).toHaveLength(12);
    expect(j.entries.every((e: { state: string }) => e.state === 'created')).toBe(true);
  });

  it('warns, without refusing, when the nodes ask for more memory than the libvirt host has', async () => {
    const { provider, journal, desired } = await setup(['master-1', 'worker-1', 'worker-2', 'worker-3']);
    const plan = await provider.plan(desired, journal);
    // The test driver's host has 3072 MiB; four nodes of 1024 MiB ask for more.
    expect(plan.warnings).toEqual(['the nodes ask for 4096 MiB of memory, the libvirt host has 3072 MiB: guests may fail to start or swap; lower memoryMiB or use fewer nodes per host']);
    expect((await provider.plan(await desiredCluster(dir, 'demo', ['master-1']), journal)).warnings).toEqual([]);
  });

  it('plans nothing but keeps on a second run, and the second apply creates nothing', async () => {
    const { provider, journal, desired, progress } = await setup();
    await provider.apply(await provider.plan(desired, journal), journal, { progress });
    const before = { d: await listDomains(v), n: await listNetworks(v), p: await listPools(v), v: await listVolumes(v, 'nkd-demo') };
    const plan = await provider.plan(desired, journal);
    expect(new Set(plan.items.map((i) => i.action))).toEqual(new Set(['keep']));
    progress.lines.length = 0;
    await provider.apply(plan, journal, { progress });
    expect(progress.lines).toEqual([]);
    expect({ d: await listDomains(v), n: await listNetworks(v), p: await listPools(v), v: await listVolumes(v, 'nkd-demo') }).toEqual(before);
  });

  it('refuses a foreign domain with a node\'s name before creating anything', async () => {
    const { provider, journal, desired } = await setup();
    await v.run(['destroy', 'test']);
    const xml = (await v.run(['dumpxml', 'test'])).replace('<name>test</name>', '<name>demo-worker-1</name>').replace(/<uuid>[^<]*<\/uuid>/, '');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'foreign.xml'), xml);
    await v.run(['define', join(dir, 'foreign.xml')]);
    const err = await provider.plan(desired, journal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NkdError);
    expect((err as NkdError).code).toBe(ExitCode.Usage);
    expect((err as NkdError).message).toBe('1 libvirt resource conflicts with the cluster file; nothing was created');
    expect((err as NkdError).details).toEqual([
      'nodes.worker-1: a domain named "demo-worker-1" exists and is not this cluster\'s node (it has no nkd metadata); rename the cluster or the node, or remove that domain',
    ]);
    expect(await listNetworks(v)).toEqual(['default']);
  });

  it('refuses a network of the same name that another owner made', async () => {
    const { provider, journal, desired } = await setup();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'n.xml'), "<network><name>nkd-demo</name><bridge name='virbr9'/><ip address='10.231.9.1' netmask='255.255.255.0'/></network>");
    await v.run(['net-define', join(dir, 'n.xml')]);
    await expect(provider.plan(desired, journal)).rejects.toMatchObject({
      code: ExitCode.Usage,
      details: [expect.stringContaining('spec.libvirt.network.name: network "nkd-demo" exists and is not this cluster\'s (bridge virbr9')],
    });
  });

  it('reports a missing OS image as a usage error and an unreachable URI as a runtime failure, each naming the field', async () => {
    const { settings, journal, desired } = await setup();
    const noImage = new LibvirtProvider({ ...settings, osImage: join(dir, 'missing.qcow2') }, { virsh: v });
    await expect(noImage.plan(desired, journal)).rejects.toMatchObject({ code: ExitCode.Usage, message: expect.stringMatching(/^spec\.libvirt\.osImage: cannot read ".*missing\.qcow2" \(no such file\)$/) });
    const unreachable = new LibvirtProvider({ ...settings, uri: 'qemu+tcp://127.0.0.1:1/system' });
    try {
      await expect(unreachable.plan(desired, journal)).rejects.toMatchObject({ code: ExitCode.Failure, message: expect.stringMatching(/^spec\.libvirt\.uri: cannot connect to libvirt at "qemu\+tcp:\/\/127\.0\.0\.1:1\/system"/) });
    } finally {
      await unreachable.close();
    }
  });

  it('resumes an interrupted apply from the journal and creates nothing twice', async () => {
    const { provider, journal, desired, progress } = await setup(['master-1', 'worker-1', 'worker-2', 'worker-3']);
    const ac = new AbortController();
    let started = 0;
    const stopAfterTwo = { ...progress, ok: (m: string) => { progress.ok(m); if (m.startsWith('node ') && ++started === 2) ac.abort(); } };
    const err = await provider.apply(await provider.plan(desired, journal), journal, { progress: stopAfterTwo, signal: ac.signal, concurrency: 1 }).catch((e: unknown) => e);
    expect((err as NkdError).code).toBe(ExitCode.Interrupted);
    expect(ours(await listDomains(v))).toEqual(['demo-master-1', 'demo-worker-1']);
    const resumed = await provider.plan(desired, journal);
    expect(resumed.items.filter((i) => i.action === 'create').map((i) => i.name)).toEqual([
      'demo-worker-2.ign', 'demo-worker-2.qcow2', 'demo-worker-2', 'demo-worker-3.ign', 'demo-worker-3.qcow2', 'demo-worker-3',
    ]);
    await provider.apply(resumed, journal, { progress });
    expect(ours(await listDomains(v))).toEqual(['demo-master-1', 'demo-worker-1', 'demo-worker-2', 'demo-worker-3']);
    expect((await listVolumes(v, 'nkd-demo')).filter((n) => n.startsWith('demo-'))).toHaveLength(9);
  });

  it('adds a node to an existing cluster with a DHCP entry added to the running network', async () => {
    const { provider, journal, desired, progress } = await setup(['master-1']);
    await provider.apply(await provider.plan(desired, journal), journal, { progress });
    const bigger = await desiredCluster(dir, 'demo', ['master-1', 'worker-1']);
    const plan = await provider.plan(bigger, journal);
    expect(plan.items.filter((i) => i.action !== 'keep').map((i) => `${i.action} ${i.name}`)).toEqual([
      'update nkd-demo', 'create demo-worker-1.ign', 'create demo-worker-1.qcow2', 'create demo-worker-1',
    ]);
    await provider.apply(plan, journal, { progress });
    expect((await getNetwork(v, 'nkd-demo'))?.hosts.map((h) => `${h.name} ${h.ip}`)).toEqual(['master-1 10.231.7.11', 'worker-1 10.231.7.12']);
    expect((await getDomain(v, 'demo-worker-1'))?.running).toBe(true);
  });

  it('destroys everything, sweeping by tag what the journal missed, and leaves foreign resources alone', async () => {
    const { provider, journal, desired, progress } = await setup();
    await provider.apply(await provider.plan(desired, journal), journal, { progress });
    // Lose the journal's record of one domain and one volume: the sweep must still find them.
    await journal.forget({ kind: 'domain', name: 'demo-worker-2' });
    await journal.forget({ kind: 'volume', name: 'demo-worker-2.qcow2' });
    const report = await provider.destroy(journal, { progress });
    expect(report.remaining).toEqual([]);
    expect(report.deleted).toHaveLength(12);
    expect(report.deleted.slice(0, 3).map((r) => r.kind)).toEqual(['domain', 'domain', 'domain']);
    expect(ours(await listDomains(v))).toEqual([]);
    expect(await listDomains(v)).toEqual(['test']);
    expect(ours(await listNetworks(v))).toEqual([]);
    expect(ours(await listPools(v))).toEqual([]);
    expect(journal.entries()).toEqual([]);
  });

  it('keeps a pool it adopted and a domain with the prefix but another cluster\'s tag', async () => {
    const { provider, journal, desired, progress } = await setup(['master-1']);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'p.xml'), '<pool type="dir"><name>nkd-demo</name><target><path>/var/lib/libvirt/images/nkd-demo</path></target></pool>');
    await v.run(['pool-define', join(dir, 'p.xml')]);
    await provider.apply(await provider.plan(desired, journal), journal, { progress });
    await v.run(['destroy', 'test']);
    const other = (await v.run(['dumpxml', 'test'])).replace('<name>test</name>', '<name>demo-x</name>').replace(/<uuid>[^<]*<\/uuid>/, '')
      .replace('<memory', "<metadata><nkd:cluster xmlns:nkd='https://nestos.openeuler.org/nkd/1' id='demo-x-cluster' node='x' role='worker'/></metadata><memory");
    await writeFile(join(dir, 'other.xml'), other);
    await v.run(['define', join(dir, 'other.xml')]);
    const report = await provider.destroy(journal, { progress });
    expect(report.kept).toEqual([{ kind: 'pool', name: 'nkd-demo', reason: 'not created by nkd (adopted); left in place' }]);
    expect(await listPools(v)).toContain('nkd-demo');
    expect(await listDomains(v)).toContain('demo-x');
    expect(ours(await listDomains(v))).toEqual(['demo-x']);
  });

  it('attaches to an existing network without creating, changing or deleting it', async () => {
    const { settings, journal, desired, progress } = await setup(['master-1']);
    const provider = new LibvirtProvider({ ...settings, network: { ...settings.network, mode: 'existing', name: 'default' } }, { virsh: v });
    const plan = await provider.plan(desired, journal);
    expect(plan.items[0]).toEqual({ kind: 'network', name: 'default', action: 'adopt', reason: 'existing network (not deleted by destroy)' });
    await provider.apply(plan, journal, { progress });
    expect(await v.run(['dumpxml', 'demo-master-1'])).toContain("<source network='default'/>");
    const report = await provider.destroy(journal, { progress });
    expect(report.kept).toEqual([{ kind: 'network', name: 'default', reason: 'not created by nkd (adopted); left in place' }]);
    expect(await listNetworks(v)).toEqual(['default']);
  });

  it('refuses mode: existing when the named network does not exist', async () => {
    const { settings, journal, desired } = await setup(['master-1']);
    const provider = new LibvirtProvider({ ...settings, network: { ...settings.network, mode: 'existing', name: 'nope' } }, { virsh: v });
    await expect(provider.plan(desired, journal)).rejects.toMatchObject({
      details: ['spec.libvirt.network.name: network "nope" does not exist (mode: existing); create it, name another one, or use mode: nat'],
    });
  });

  it('refuses to resize a node and warns about a node removed from the file', async () => {
    const { provider, journal, desired, progress } = await setup(['master-1', 'worker-1']);
    await provider.apply(await provider.plan(desired, journal), journal, { progress });
    const changed = { ...desired, nodes: [{ ...desired.nodes[0]!, memoryMiB: 2048 }] };
    await expect(provider.plan(changed, journal)).rejects.toMatchObject({
      code: ExitCode.Usage,
      details: ['nodes.master-1: domain "demo-master-1" has 1 CPU and 1024 MiB, the cluster file says 1 CPU and 2048 MiB; nkd does not resize nodes: restore the file\'s values'],
    });
    const fewer = { ...desired, nodes: [desired.nodes[0]!] };
    expect((await provider.plan(fewer, journal)).warnings).toEqual([
      'node worker-1 (domain demo-worker-1) is no longer in the cluster file: nkd does not remove nodes; drain and delete it yourself, or put it back in the file',
    ]);
  });
});
