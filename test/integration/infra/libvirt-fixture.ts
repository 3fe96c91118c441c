import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesiredCluster, DesiredNode, NodeSize, Progress } from '../../../pkg/infra/types.js';
import type { LibvirtSettings } from '../../../pkg/infra/libvirt/settings.js';

/** A scratch folder with a small qcow2-headed OS image and per-node Ignition files. */
export async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nkd-infra-'));
}

/** A minimal qcow2 header (magic, version 3, virtual size) followed by zeros. */
export async function fakeQcow2(file: string, virtualBytes = 2 ** 30): Promise<void> {
  const b = Buffer.alloc(4096);
  b.writeUInt32BE(0x514649fb, 0);
  b.writeUInt32BE(3, 4);
  b.writeBigUInt64BE(BigInt(virtualBytes), 24);
  await writeFile(file, b);
}

/** Writes one Ignition-shaped JSON per node (each names its node) and returns the nodes. */
export async function desiredCluster(dir: string, clusterId: string, nodeNames: string[], cidrPrefix = '10.231.7'): Promise<DesiredCluster<NodeSize>> {
  const nodes: DesiredNode<NodeSize>[] = [];
  for (const [i, name] of nodeNames.entries()) {
    const ign = JSON.stringify({ ignition: { version: '3.3.0' }, storage: { files: [{ path: '/etc/hostname', contents: { source: `data:,${name}` } }] } });
    const path = join(dir, `${name}.ign`);
    await writeFile(path, ign, { mode: 0o600 });
    nodes.push({
      name, role: i === 0 ? 'control-plane' : 'worker', ip: `${cidrPrefix}.${11 + i}`, cpus: 1, memoryMiB: 1024, diskGiB: 10,
      ignitionPath: path, ignitionSha512: createHash('sha512').update(ign).digest('hex'),
    });
  }
  return { clusterId, nodes };
}

/** libvirt settings for the test driver (its pools and paths are virtual). */
export function testDriverSettings(dir: string, clusterId: string, cidrPrefix = '10.231.7'): LibvirtSettings {
  return {
    uri: 'test:///default',
    osImage: join(dir, 'os.qcow2'),
    domainType: 'qemu',
    network: { mode: 'nat', name: `nkd-${clusterId}`, cidr: `${cidrPrefix}.0/24`, gateway: `${cidrPrefix}.1` },
    pool: { name: `nkd-${clusterId}`, path: `/var/lib/libvirt/images/nkd-${clusterId}` },
  };
}

/** Progress that remembers its lines (for assertions) and prints nothing. */
export function recordingProgress(): Progress & { lines: string[] } {
  const lines: string[] = [];
  const rec = (g: string) => (m: string) => void lines.push(`${g} ${m}`);
  return { lines, info: rec('•'), ok: rec('✓'), warn: rec('!'), debug: rec(' ') };
}
