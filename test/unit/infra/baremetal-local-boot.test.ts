/**
 * After install a host boots from its disk: once a node has taken its first stage, its machine
 * script boots the local disk instead of the installer (nkd's real boot service on loopback).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSecretBundleServer } from '../../../pkg/infra/boot-service.js';
import type { IpxeBoot } from '../../../pkg/infra/baremetal/ipxe.js';
import { ipxeRoutes } from '../../../pkg/infra/baremetal/ipxe-routes.js';
import type { BootService, Progress } from '../../../pkg/infra/types.js';

const MASTER = '52:54:00:00:00:01';
const WORKER = '52:54:00:00:00:02';
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };
let scratch: string;
let service: BootService;
const installed = new Set<string>(['worker-1']);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-local-boot-'));
  await writeFile(join(scratch, 'master-1.ign'), '{"ignition":{"version":"3.4.0"}}');
  const boot: IpxeBoot = {
    baseUrl: 'http://127.0.0.1:9',
    kernelUrl: 'http://127.0.0.1:9/k',
    initrdUrl: 'http://127.0.0.1:9/i',
    rootfsUrl: 'http://127.0.0.1:9/r',
    machines: [
      { node: 'master-1', mac: MASTER, installDevice: '/dev/sda' },
      { node: 'worker-1', mac: WORKER, installDevice: '/dev/sda' },
    ],
  };
  const routes = ipxeRoutes({ boot, progress, installed, firstStages: [{ node: 'master-1', file: join(scratch, 'master-1.ign') }] });
  service = await startSecretBundleServer({ host: '127.0.0.1', port: 0, bundles: [], progress, routes });
});

afterAll(async () => {
  await service.stop();
  await rm(scratch, { recursive: true, force: true });
});

const script = async (mac: string): Promise<string> => {
  const res = await fetch(`${service.url}/nkd/v1/ipxe/machine?mac=${mac}`);
  expect(res.status).toBe(200);
  return res.text();
};
const LOCAL_BOOT = (node: string, mac: string): string => [
  '#!ipxe',
  `# Written by nkd for node ${node} (${mac}): it took its first stage, so NestOS is on`,
  '# its disk: boot that, not the installer again (a host set to network-boot first would loop).',
  `echo nkd: node ${node} is installed: booting from the local disk`,
  'iseq ${platform} efi && exit 0 ||',
  'sanboot --no-describe --drive 0x80 || exit 0',
  '',
].join('\n');

describe('the machine script after install', () => {
  test('asking again before the first stage is taken gets the installer again, with a new token', async () => {
    const first = await script(MASTER);
    const second = await script(MASTER);
    expect(first).toMatch(/^kernel /m);
    expect(second).toMatch(/^kernel /m);
    expect(second).not.toBe(first);
  });

  test('once the first stage is taken, the script boots the local disk and issues no token', async () => {
    const path = /nestos\.inst\.ignition_url=http:\/\/127\.0\.0\.1:9(\S+)/.exec(await script(MASTER))![1]!.replace('${net0/mac}', MASTER);
    expect((await fetch(`${service.url}${path}`)).status).toBe(200);
    expect(installed.has('master-1')).toBe(true);
    const issuedBefore = lines.filter((l) => l.includes('took its iPXE script')).length;
    expect(await script(MASTER)).toBe(LOCAL_BOOT('master-1', MASTER));
    expect(lines.filter((l) => l.includes('took its iPXE script'))).toHaveLength(issuedBefore);
    expect(lines.at(-1)).toBe('boot service: node master-1 (52:54:00:00:00:01, from 127.0.0.1) is installed: its iPXE script boots the local disk');
  });

  test('a node the caller already knows as installed boots its disk from the first request', async () => {
    expect(await script(WORKER)).toBe(LOCAL_BOOT('worker-1', WORKER));
  });
});
