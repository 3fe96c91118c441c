/**
 * The static NetworkManager profile nkd renders from spec.network, read by the real libnm
 * (NM.keyfile_read, the parser NetworkManager uses, then normalize + verify): each binding —
 * MAC, interface, any device, VLAN on a MAC or an interface — means to NetworkManager what
 * docs/ignition.md says. Environment: hack/env/20-ignition.sh (gir1.2-nm-1.0, python3-gi).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadClusterText } from '../../../pkg/config/load.js';
import { staticNetworkFile } from '../../../pkg/node/system.js';
import { bareMetalClusterDoc, toYaml, validClusterDoc } from '../../fixtures/cluster.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'nm-keyfile.py');

let dir: string;
beforeAll(async () => {
  const ok = existsSync(PYTHON) && (await run(PYTHON, ['-c', "import gi; gi.require_version('NM', '1.0')"]).then(() => true, () => false));
  if (!ok) throw new Error(`libnm for Python is missing (${PYTHON} cannot load gi's NM 1.0): run bash hack/env/20-ignition.sh`);
  dir = await mkdtemp(join(tmpdir(), 'nkd-nm-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** What libnm reads from the profile of worker-1 after `mutate`. */
async function libnmReads(name: string, base: () => Record<string, any>, mutate: (d: Record<string, any>) => void): Promise<Record<string, unknown>> {
  const doc = base();
  mutate(doc);
  const { config } = await loadClusterText(toYaml(doc), { file: 'c.yaml', env: {} });
  const file = join(dir, `${name}.nmconnection`);
  await writeFile(file, staticNetworkFile(config, config.spec.nodes[1]!)!.contents, { mode: 0o600 });
  const { stdout } = await run(PYTHON, [SCRIPT, file]);
  const { file: _f, ...got } = JSON.parse(stdout) as Record<string, unknown>;
  return got;
}

const openstack = (): Record<string, any> => {
  const d = validClusterDoc();
  d.spec.platform = 'openstack';
  delete d.spec.libvirt;
  d.spec.openstack = { cloud: 'openstack', image: 'nestos', bootServer: { address: '10.231.0.2' } };
  return d;
};

const ipv4 = { method: 'manual', address: '10.231.0.21/24', gateway: '10.231.0.1', ipv6: 'ignore', autoconnect: true };

describe('the static profile, as the real libnm reads it', () => {
  test('binds an Ethernet profile to the node\'s MAC with the gateway as DNS server (the libvirt default)', async () => {
    expect(await libnmReads('mac', validClusterDoc, () => {})).toEqual({ ...ipv4, type: '802-3-ethernet', interfaceName: null, mac: '52:54:00:00:00:02', vlan: null, dns: ['10.231.0.1'] });
  });

  test('binds to spec.network.interface when the node has no MAC, with every DNS server in order', async () => {
    const got = await libnmReads('iface', openstack, (d) => {
      d.spec.network = { cidr: '10.231.0.0/24', interface: 'enp1s0', dnsServers: ['10.231.0.53', '1.1.1.1', '9.9.9.9'] };
      delete d.spec.nodes[1].mac;
    });
    expect(got).toEqual({ ...ipv4, type: '802-3-ethernet', interfaceName: 'enp1s0', mac: null, vlan: null, dns: ['10.231.0.53', '1.1.1.1', '9.9.9.9'] });
  });

  test('applies to any Ethernet device with neither MAC nor interface', async () => {
    const got = await libnmReads('any', openstack, (d) => delete d.spec.nodes[1].mac);
    expect(got).toEqual({ ...ipv4, type: '802-3-ethernet', interfaceName: null, mac: null, vlan: null, dns: ['10.231.0.1'] });
  });

  test('is a VLAN device vlan<id> whose parent is the NIC with the node\'s MAC', async () => {
    const got = await libnmReads('vlan-mac', bareMetalClusterDoc, (d) => (d.spec.network.vlan = 120));
    expect(got).toEqual({ ...ipv4, type: 'vlan', interfaceName: 'vlan120', mac: '52:54:00:00:00:02', vlan: { id: 120, parent: null }, dns: ['10.231.0.1'] });
  });

  test('is a VLAN device vlan<id> on spec.network.interface when the node has no MAC', async () => {
    const got = await libnmReads('vlan-iface', openstack, (d) => {
      d.spec.network = { cidr: '10.231.0.0/24', gateway: '10.231.0.254', interface: 'eno1', vlan: 4094 };
      delete d.spec.nodes[1].mac;
    });
    expect(got).toEqual({ ...ipv4, gateway: '10.231.0.254', type: 'vlan', interfaceName: 'vlan4094', mac: null, vlan: { id: 4094, parent: 'eno1' }, dns: ['10.231.0.254'] });
  });
});
