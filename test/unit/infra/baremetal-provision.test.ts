/**
 * The cluster file's bare-metal provision fields (existing hosts, conversions): what validation
 * refuses, each naming the field and the fix, and what the provider's settings read from them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterText } from '../../../pkg/config/load.js';
import { bareMetalSettings } from '../../../pkg/infra/baremetal/settings.js';
import { bareMetalClusterDoc, problemsOf, toYaml } from '../../fixtures/cluster.js';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA24R+KseoNpmpmPqRiQ49lucvka6YLzX2ekjIIvxjF+ h0';
const dir = mkdtempSync(join(tmpdir(), 'nkd-provision-'));
const keyFile = join(dir, 'id_ed25519');
writeFileSync(keyFile, 'not read by validation\n', { mode: 0o600 });
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The errors validation reports, without line numbers (the fixture's YAML decides those) or warnings. */
async function errorsOf(mutate: (d: Record<string, any>) => void): Promise<string[]> {
  return (await problemsOf(mutate, doc)).filter((p) => !p.startsWith('warning: ')).map((p) => p.replace(/^c\.yaml:\d+: /, 'c.yaml: '));
}

/** A bare-metal document whose first node is an existing Linux host and second a conversion. */
function doc(): Record<string, any> {
  const d = bareMetalClusterDoc();
  d.spec.network = { cidr: '10.231.0.0/24', gateway: '10.231.0.1', dnsServers: ['10.231.0.1'] };
  d.spec.baremetal = {
    httpAddress: '10.231.0.2', ssh: { privateKeyFile: keyFile },
    kernelURL: 'http://10.231.0.2:8080/k', initrdURL: 'http://10.231.0.2:8080/i', rootfsURL: 'http://10.231.0.2:8080/r',
  };
  d.spec.nodes[0].baremetal = { provision: 'existing', os: 'linux', sshHostKey: HOST_KEY };
  d.spec.nodes[1].baremetal = { provision: 'convert', sshHostKey: HOST_KEY, installDevice: '/dev/vda' };
  return d;
}

describe('bare-metal provision fields', () => {
  test('an existing host and a conversion with their keys, addresses and login are valid', async () => {
    expect(await errorsOf(() => undefined)).toEqual([]);
  });

  test.each([
    ['an existing host without its host key', (d: any) => delete d.spec.nodes[0].baremetal.sshHostKey,
      'c.yaml: spec.nodes[0].baremetal.sshHostKey: required field is missing: provision is existing, and nkd pins the host\'s own SSH host key (it never trusts a key on first use) (fix: give the host\'s public key line: the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host (check its fingerprint there with ssh-keygen -lf))'],
    ['a host key line that is not one', (d: any) => (d.spec.nodes[1].baremetal.sshHostKey = 'ssh-ed25519 not-base64! h1'),
      'c.yaml: spec.nodes[1].baremetal.sshHostKey: the key is not base64 (fix: give one OpenSSH public-key line, e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub on the host)'],
    ['a conversion without an address', (d: any) => delete d.spec.nodes[1].ip,
      'c.yaml: spec.nodes[1].baremetal.sshAddress: required field is missing: provision is convert, the node has no ip, and nkd reaches the host over SSH (fix: set spec.nodes[1].ip or spec.nodes[1].baremetal.sshAddress)'],
    ['an existing host without its os', (d: any) => delete d.spec.nodes[0].baremetal.os,
      'c.yaml: spec.nodes[0].baremetal.os: required field is missing: provision is existing, and nkd starts a different first-boot unit on NestOS and on a general-purpose Linux (fix: set os: nestos or os: linux)'],
    ['a conversion without a MAC', (d: any) => delete d.spec.nodes[1].mac,
      'c.yaml: spec.nodes[1].mac: required field is missing on bare metal (provision: convert): the MAC identifies the host before nkd wipes its disk (fix: set the MAC address of the host\'s boot interface)'],
    ['a conversion without the live kernel', (d: any) => delete d.spec.baremetal.kernelURL,
      'c.yaml: spec.baremetal.kernelURL: required field is missing: worker-1 (provision: convert) boots the NestOS live installer from it (fix: give the URL of the NestOS release\'s live image (served over HTTP by you, not nkd))'],
    ['a conversion to an install device that cannot go on a kernel command line', (d: any) => (d.spec.nodes[1].baremetal.installDevice = '/dev/../sda'),
      'c.yaml: spec.nodes[1].baremetal.installDevice: invalid value "/dev/../sda": must be a /dev path of letters, digits and . _ + : / - (fix: fix the field: it goes into the NestOS live installer\'s kernel command line)'],
    ['hosts over SSH without a login key', (d: any) => delete d.spec.baremetal.ssh,
      'c.yaml: spec.baremetal.ssh.privateKeyFile: required field is missing: 2 nodes are reached over SSH (provision: existing or convert) (fix: give the private key nkd logs in with (its public key in the login user\'s authorized_keys on those hosts))'],
    ['a login key file that does not exist', (d: any) => (d.spec.baremetal.ssh.privateKeyFile = join(dir, 'missing')),
      `c.yaml: spec.baremetal.ssh.privateKeyFile: no such file "${join(dir, 'missing')}" (looked at ${join(dir, 'missing')}) (fix: paths are relative to the cluster file)`],
    ['os on a host nkd installs', (d: any) => (d.spec.nodes[1].baremetal.os = 'linux'),
      'c.yaml: spec.nodes[1].baremetal.os: only for provision: existing (this node is convert: it gets NestOS) (fix: remove it, or set provision: existing)'],
    ['a host key on a network-installed host', (d: any) => (d.spec.nodes[1].baremetal = { sshHostKey: HOST_KEY }),
      'c.yaml: spec.nodes[1].baremetal.sshHostKey: only for provision: existing or convert (a network-installed host gets the host key nkd makes for it) (fix: remove it, or set provision: existing or convert)'],
  ])('refuses %s, naming the field and the fix', async (_name, mutate, message) => {
    expect(await errorsOf(mutate)).toEqual([message]);
  });

  test('an existing host needs no MAC, and a cluster of existing hosts needs no live images', async () => {
    expect(await errorsOf((d) => {
      delete d.spec.nodes[0].mac;
      d.spec.nodes[1].baremetal = { provision: 'existing', os: 'nestos', sshHostKey: HOST_KEY, sshAddress: 'w1.example.net', sshPort: 2222 };
      delete d.spec.baremetal.kernelURL;
    })).toEqual([]);
  });

  test('the settings list the hosts reached over SSH with their own pinned keys, the login key resolved against the cluster file\'s folder', async () => {
    const { config } = await loadClusterText(toYaml(doc()), { file: 'c.yaml', env: {} });
    const s = bareMetalSettings({ ...config, spec: { ...config.spec, baremetal: { ...config.spec.baremetal!, ssh: { privateKeyFile: 'id_ed25519' } } } }, dir);
    expect(s.sshLogin).toEqual({ user: 'root', privateKeyFile: keyFile });
    expect(s.sshNodes).toEqual([
      { node: 'master-1', provision: 'existing', os: 'linux', address: '10.231.0.11', port: 22, hostKey: HOST_KEY, hostKeyField: 'spec.nodes[0].baremetal.sshHostKey', mac: '52:54:00:00:00:01' },
      { node: 'worker-1', provision: 'convert', address: '10.231.0.21', port: 22, hostKey: HOST_KEY, hostKeyField: 'spec.nodes[1].baremetal.sshHostKey', mac: '52:54:00:00:00:02' },
    ]);
    // only the converted host boots the live installer
    expect(s.ipxe!.machines.map((m) => m.node)).toEqual(['worker-1']);
  });
});
