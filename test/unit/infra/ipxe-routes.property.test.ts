/**
 * The iPXE routes' path and query handling, over nkd's real boot service on loopback with raw
 * request targets: no path or query reaches a file but a rendered first stage, and a first
 * stage is only ever returned for an issued, unused token presented with its MAC.
 */
import { request } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startSecretBundleServer } from '../../../pkg/infra/boot-service.js';
import type { IpxeBoot } from '../../../pkg/infra/baremetal/ipxe.js';
import { ipxeRoutes } from '../../../pkg/infra/baremetal/ipxe-routes.js';
import type { BootService, Progress } from '../../../pkg/infra/types.js';

const quiet: Progress = { info: () => {}, ok: () => {}, warn: () => {}, debug: () => {} };
const MACS = ['52:54:00:00:00:01', '52:54:00:00:00:02'];
const NODES = ['master-1', 'worker-1'];

let scratch: string;
let service: BootService;
let port: number;
const stages = new Map<string, string>();
/** Nodes that took their first stage (emptied before each run): their script boots the disk. */
const installed = new Set<string>();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nkd-ipxe-prop-'));
  await mkdir(join(scratch, 'ignition'));
  await writeFile(join(scratch, 'secret.key'), 'OUTSIDE-THE-IGNITION-DIRECTORY');
  await writeFile(join(scratch, 'ignition', 'master-1.secret-bundle'), 'A-SECRET-BUNDLE');
  for (const n of NODES) {
    stages.set(n, `{"ignition":{"version":"3.4.0"},"node":"${n}"}`);
    await writeFile(join(scratch, 'ignition', `${n}.ign`), stages.get(n)!);
  }
  const boot: IpxeBoot = {
    baseUrl: 'http://127.0.0.1:9',
    kernelUrl: 'http://127.0.0.1:9/k',
    initrdUrl: 'http://127.0.0.1:9/i',
    rootfsUrl: 'http://127.0.0.1:9/r',
    machines: NODES.map((node, i) => ({ node, mac: MACS[i]!, installDevice: '/dev/sda' })),
  };
  const routes = ipxeRoutes({ boot, progress: quiet, installed, firstStages: NODES.map((node) => ({ node, file: join(scratch, 'ignition', `${node}.ign`) })) });
  service = await startSecretBundleServer({ host: '127.0.0.1', port: 0, bundles: [], progress: quiet, routes });
  port = Number(new URL(service.url).port);
});

afterAll(async () => {
  await service.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** GET with the request target exactly as given (no URL normalisation, unlike fetch). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tokenOf = (script: string): string => /\/nkd\/v1\/ignition\/([A-Za-z0-9_-]+)\?/.exec(script)![1]!;

// Printable ASCII without space: what a raw request target may hold.
const CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&\'()*+,;=%'];
const junk = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 60 });
const segment = fc.oneof(junk, fc.constantFrom('..', '%2e%2e', '%2F', 'master-1.ign', 'ignition', 'secret.key', 'master-1', 'boot.ipxe', 'machine', '', '.'));
const prefix = fc.constantFrom('/nkd/v1/ignition/', '/nkd/v1/ipxe/', '/nkd/v1/secrets/', '/nkd/v1/', '/', '//', '/nkd/v1/ignition');
const macParam = fc.oneof(fc.constantFrom(...MACS, '52-54-00-00-00-01', '52%3A54%3A00%3A00%3A00%3A02', '', '00:00:00:00:00:00'), junk);

/** One step: a random request, or the use of a real token (from a machine script) with some MAC and some suffix. */
const step = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), path: fc.tuple(prefix, fc.array(segment, { maxLength: 4 })).map(([p, s]) => p + s.join('/')), query: fc.option(fc.array(fc.tuple(fc.constantFrom('mac', 'token', 'file', 'x'), macParam), { maxLength: 3 })) }),
  fc.record({ kind: fc.constant('script' as const), machine: fc.constantFrom(0, 1) }),
  fc.record({ kind: fc.constant('use' as const), mac: macParam, suffix: fc.constantFrom('', '/', '/../master-1.ign', '%00', '.ign') }),
);

/** The MAC the server reads from `mac=<m>` (the query parsed as a browser would), in iPXE's form. */
const normal = (m: string): string => (new URLSearchParams(`mac=${m}`).get('mac') ?? '').trim().toLowerCase().replace(/-/g, ':');

test('random paths and queries reach only first stages, and only with a live token for its MAC', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
      installed.clear();
      let live: { token: string; node: string; mac: string } | undefined;
      for (const s of steps) {
        let path: string;
        let expectStage: string | undefined;
        if (s.kind === 'script') {
          const r = await get(`/nkd/v1/ipxe/machine?mac=${MACS[s.machine]}`);
          expect(r.status).toBe(200);
          if (installed.has(NODES[s.machine]!)) {
            expect(r.body).toContain('sanboot --no-describe --drive 0x80');
            expect(r.body).not.toContain('/nkd/v1/ignition/');
            continue;
          }
          live = { token: tokenOf(r.body), node: NODES[s.machine]!, mac: MACS[s.machine]! };
          continue;
        } else if (s.kind === 'use') {
          if (!live) continue;
          path = `/nkd/v1/ignition/${live.token}${s.suffix}?mac=${s.mac}`;
          if (s.suffix === '' && normal(s.mac) === live.mac) {
            expectStage = stages.get(live.node);
            live = undefined;
          }
        } else {
          path = s.path + (s.query ? `?${s.query.map(([k, v]) => `${k}=${v}`).join('&')}` : '');
        }
        const r = await get(path);
        expect(r.body).not.toContain('OUTSIDE-THE-IGNITION-DIRECTORY');
        expect(r.body).not.toContain('A-SECRET-BUNDLE');
        if (expectStage) expect(r).toEqual({ status: 200, body: expectStage });
        else if ([...stages.values()].includes(r.body)) throw new Error(`a first stage was returned for ${path} without a live token`);
      }
    }),
    { numRuns: 150 },
  );
});
