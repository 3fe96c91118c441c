/**
 * The iPXE chain over nkd's real boot service on loopback, with a real bare-metal render: the
 * chain script, a known host's script and its kernel arguments, the first stage through its
 * one-time token (byte for byte the rendered .ign), and every refusal.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { renderCluster, type RenderResult } from '../../../pkg/assets/render.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { startSecretBundleServer } from '../../../pkg/infra/boot-service.js';
import { ipxeBootFrom } from '../../../pkg/infra/baremetal/ipxe.js';
import { ipxeRoutes } from '../../../pkg/infra/baremetal/ipxe-routes.js';
import { OneTimeTokens } from '../../../pkg/infra/baremetal/tokens.js';
import type { BootService, Progress } from '../../../pkg/infra/types.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { goldenRenderDeps } from '../../golden/env.js';
import { freePort } from '../../harness/ports.js';

jest.setTimeout(120_000);

const MASTER = '52:54:00:00:07:01';
const WORKER = '52:54:00:00:07:02';
let scratch: string;
let base: string;
let config: ClusterConfig;
let r: RenderResult;
let service: BootService;
let now = Date.now();
const lines: string[] = [];
const progress: Progress = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => {} };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-ipxe-http-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  config = await validClusterConfig((d) => {
    delete d.spec.libvirt;
    d.spec.platform = 'baremetal';
    d.spec.baremetal = {
      httpAddress: '127.0.0.1',
      httpPort: port,
      kernelURL: 'http://10.231.0.2:8080/nestos-live-kernel-x86_64',
      initrdURL: 'http://10.231.0.2:8080/nestos-live-initramfs.x86_64.img',
      rootfsURL: 'http://10.231.0.2:8080/nestos-live-rootfs.x86_64.img',
      installDevice: '/dev/vda',
    };
    d.spec.nodes[0].mac = MASTER;
    d.spec.nodes[1].mac = WORKER;
    d.spec.nodes[1].baremetal = { installDevice: '/dev/nvme0n1' };
  });
  r = await renderCluster(config, { dir: join(scratch, 'cluster') }, goldenRenderDeps());
  const routes = ipxeRoutes({
    boot: ipxeBootFrom(config),
    firstStages: r.nodes.map((n) => ({ node: n.name, file: n.ignitionPath })),
    tokens: new OneTimeTokens({ now: () => now }),
    tokenTtlMs: 60_000,
    progress,
  });
  service = await startSecretBundleServer({
    host: '127.0.0.1', port, progress, routes,
    bundles: r.nodes.map((n) => ({ node: n.name, file: n.secretBundle!.path, sha512: n.secretBundle!.sha512 })),
  });
});

afterAll(async () => {
  await service?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** What iPXE would fetch after expanding ${net0/mac} to `mac`. */
const expand = (url: string, mac: string): string => url.replace('${net0/mac}', mac);
const machineScript = async (mac: string): Promise<string> => {
  const res = await fetch(`${base}/nkd/v1/ipxe/machine?mac=${mac}`);
  expect(res.status).toBe(200);
  return res.text();
};
const kernelArgs = (script: string): string[] => script.split('\n').find((l) => l.startsWith('kernel '))!.split(' ').slice(2);
const ignitionUrl = (script: string, mac: string): string => expand(kernelArgs(script).find((a) => a.startsWith('nestos.inst.ignition_url='))!.slice('nestos.inst.ignition_url='.length), mac);

describe('the iPXE chain (real boot service, real bare-metal render)', () => {
  test('boot.ipxe chains to the machine script by the MAC of net0', async () => {
    const res = await fetch(`${base}/nkd/v1/ipxe/boot.ipxe`);
    expect(res.status).toBe(200);
    const chain = (await res.text()).split('\n').find((l) => l.startsWith('chain '))!;
    expect(chain).toBe(`chain ${base}/nkd/v1/ipxe/machine?mac=\${net0/mac}`);
  });

  test('a known MAC gets a script that boots the live kernel with the installer arguments and the static network', async () => {
    const script = await machineScript(MASTER);
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain('\ninitrd --name main http://10.231.0.2:8080/nestos-live-initramfs.x86_64.img\nboot\n');
    const args = kernelArgs(script);
    expect(args.slice(0, -1)).toEqual([
      'initrd=main',
      'nestos.live.rootfs_url=http://10.231.0.2:8080/nestos-live-rootfs.x86_64.img',
      'nestos.inst.install_dev=/dev/vda',
      'ip=10.231.0.11::10.231.0.1:255.255.255.0:master-1::none',
      'nameserver=10.231.0.1',
      'rd.neednet=1',
    ]);
    expect(args.at(-1)).toMatch(/^nestos\.inst\.ignition_url=http:\/\/127\.0\.0\.1:[0-9]+\/nkd\/v1\/ignition\/[A-Za-z0-9_-]{43}\?mac=\$\{net0\/mac\}$/);
    expect(kernelArgs(await machineScript(WORKER))).toContain('nestos.inst.install_dev=/dev/nvme0n1');
  });

  test('an unknown MAC gets 404 and nothing else', async () => {
    const res = await fetch(`${base}/nkd/v1/ipxe/machine?mac=52:54:00:99:99:99`);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toBe('unknown machine\n');
    expect(lines.join('\n')).toContain('no machine script for 52:54:00:99:99:99');
  });

  test('the token hands over the first stage once, byte for byte the rendered .ign; the same token again gets 403', async () => {
    const url = ignitionUrl(await machineScript(MASTER), MASTER);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.coreos.ignition+json');
    const master = r.nodes.find((n) => n.name === 'master-1')!;
    expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(master.ignitionPath))).toBe(true);
    const again = await fetch(url);
    expect(again.status).toBe(403);
    expect(lines.join('\n')).toMatch(/refused a first stage to 127\.0\.0\.1: token [0-9a-f]{12} for node master-1 was already used/);
  });

  test('a token presented with another MAC gets 403 (and the log never names the token)', async () => {
    const url = ignitionUrl(await machineScript(WORKER), MASTER);
    expect((await fetch(url)).status).toBe(403);
    const token = /ignition\/([^?]+)/.exec(url)![1]!;
    expect(lines.join('\n')).toContain(`for node worker-1 is bound to ${WORKER}, presented with ${MASTER}`);
    expect(lines.join('\n')).not.toContain(token);
  });

  test('an expired token gets 403', async () => {
    const url = ignitionUrl(await machineScript(WORKER), WORKER);
    now += 60_000;
    expect((await fetch(url)).status).toBe(403);
    expect(lines.join('\n')).toMatch(/token [0-9a-f]{12} for node worker-1 expired/);
  });

  test('the secret bundles are still served as before, next to the iPXE routes', async () => {
    expect((await fetch(`${base}/nkd/v1/secrets/worker-1`)).status).toBe(200);
    expect((await fetch(`${base}/nkd/v1/secrets/worker-1`)).status).toBe(410);
  });
});
