import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../pkg/infra/journal.js';
import { allPlatforms, platformNamed, providerForConfig, providerForJournal } from '../../../pkg/infra/registry.js';
import { ExitCode, NkdError } from '../../../pkg/ui/errors.js';
import { bareMetalClusterDoc, toYaml } from '../../fixtures/cluster.js';
import { loadClusterText } from '../../../pkg/config/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nkd-registry-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const half = async (name: string) => (await platformNamed(name).provider!());

describe('the platform registry', () => {
  test('knows the product platforms, each with a schema section, a boot delivery and a template', () => {
    expect(allPlatforms().map((p) => [p.name, p.boot.kind, !!p.template, Object.keys((p.schema as { properties: object }).properties).length > 0])).toEqual([
      ['libvirt', 'private', true, true],
      ['openstack', 'two-stage', true, true],
      ['baremetal', 'two-stage', true, true],
    ]);
  });

  test('an unknown platform name is a usage error naming the known ones', () => {
    const e = (() => { try { platformNamed('vsphere'); } catch (err) { return err; } })() as NkdError;
    expect(e).toBeInstanceOf(NkdError);
    expect(e.code).toBe(ExitCode.Usage);
    expect(e.message).toBe('spec.platform: "vsphere" is not a platform this nkd knows');
    expect(e.hint).toBe('use one of libvirt, openstack, baremetal');
  });

  test('openstack: deploy opens its provider; the journal records where to authenticate and what to keep, never a secret', async () => {
    const doc = bareMetalClusterDoc();
    delete doc.spec.baremetal;
    doc.spec.platform = 'openstack';
    doc.spec.openstack = { authURL: 'https://keystone.example.com:5000/v3', username: 'nkd', project: 'k8s', password: 'hunter2', image: 'nestos', internalNetwork: 'lan', bootServer: { address: '10.231.9.1', port: 9081 } };
    const { config } = await loadClusterText(toYaml(doc), { file: 'c.yaml', env: {} });
    const p = await providerForConfig(config);
    expect(p.name).toBe('openstack');
    const recorded = p.journalSettings();
    expect(recorded).toEqual({ auth: { authURL: 'https://keystone.example.com:5000/v3', username: 'nkd', userDomain: 'Default', project: 'k8s', projectDomain: 'Default' }, internalNetwork: 'lan' });
    expect(JSON.stringify(recorded)).not.toContain('hunter2');
    const back = (await half('openstack')).fromJournal(recorded, 'j') as { auth: Record<string, unknown>; internalNetwork: string };
    expect(back.internalNetwork).toBe('lan');
    expect(back.auth.password).toBeUndefined();
  });

  test('bare metal: deploy needs the live images, and the journal records only the boot service\'s address', async () => {
    const { config } = await loadClusterText(toYaml(bareMetalClusterDoc()), { file: 'c.yaml', env: {} });
    await expect(providerForConfig(config)).rejects.toThrow(/spec\.baremetal\.kernelURL: required field is missing/);
    const doc = bareMetalClusterDoc();
    Object.assign(doc.spec.baremetal, { kernelURL: 'http://10.231.0.2:8080/k', initrdURL: 'http://10.231.0.2:8080/i', rootfsURL: 'http://10.231.0.2:8080/r' });
    doc.spec.nodes.forEach((n: any, i: number) => (n.mac = `52:54:00:00:09:0${i + 1}`));
    const p = await providerForConfig((await loadClusterText(toYaml(doc), { file: 'c.yaml', env: {} })).config);
    expect(p.name).toBe('baremetal');
    expect(p.journalSettings()).toEqual({ httpAddress: '10.231.0.2', httpPort: 9080, boot: 'ipxe' });
    expect((await half('baremetal')).fromJournal(p.journalSettings(), 'j')).toEqual({ httpAddress: '10.231.0.2', httpPort: 9080, boot: 'ipxe' });
  });

  test('libvirt records structured settings in the journal and reads them back, and reads the flat record of older journals', async () => {
    const h = await half('libvirt');
    const settings = { uri: 'qemu+ssh://h/system', osImage: '/i.qcow2', domainType: 'kvm' as const, network: { mode: 'existing' as const, name: 'br', cidr: '10.0.0.0/24', gateway: '10.0.0.1' }, pool: { name: 'p', path: '/p' } };
    const recorded = h.open(settings).journalSettings();
    expect(recorded).toEqual({ uri: 'qemu+ssh://h/system', network: { name: 'br', mode: 'existing' }, pool: { name: 'p', path: '/p' } });
    expect(h.fromJournal(JSON.parse(JSON.stringify(recorded)), 'j')).toMatchObject({ uri: 'qemu+ssh://h/system', network: { name: 'br', mode: 'existing' }, pool: { name: 'p', path: '/p' } });
    expect(h.fromJournal({ uri: 'qemu:///system', network: 'nkd-old', networkMode: 'nat', pool: 'nkd-old', poolPath: '/var/lib/libvirt/images/nkd-old' }, 'j'))
      .toMatchObject({ uri: 'qemu:///system', network: { name: 'nkd-old', mode: 'nat' }, pool: { name: 'nkd-old', path: '/var/lib/libvirt/images/nkd-old' } });
  });

  test('a journal of a provider this nkd does not know is refused naming the journal', async () => {
    const j = await Journal.open(join(dir, 'journal.json'), { clusterId: 'demo', provider: 'vsphere', providerConfig: {} });
    await expect(providerForJournal(j)).rejects.toThrow(`journal ${join(dir, 'journal.json')}: provider "vsphere" is not known to this nkd`);
  });
});
