/**
 * A pointer config applied by the real ignition fetches the full config from a local HTTP
 * server over loopback, checks its verification.hash and merges it; a wrong hash fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pointerConfig, sha512Hex } from '../../../pkg/ignition/pointer.js';
import { serializeIgnition } from '../../../pkg/ignition/serialize.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { extrasFor } from '../../unit/node/scenarios.js';
import { applyIgnition, requireTools, validateIgnition, type Applied } from './tools.js';

let server: Server;
let base: string;
let full: string;
let requests = 0;
const roots: Applied[] = [];

beforeAll(async () => {
  requireTools();
  const config = await validClusterConfig();
  const node = config.spec.nodes[1]!;
  full = serializeIgnition(buildNodeIgnition(config, node, extrasFor(config, node)));
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/ignition/worker-1.ign') res.writeHead(200, { 'content-type': 'application/json' }).end(full);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await Promise.all(roots.map((r) => r.cleanup()));
});

describe('pointer config', () => {
  test('is a valid config that makes the real ignition fetch, verify and merge the full one', async () => {
    const pointer = serializeIgnition(pointerConfig('3.2.0', `${base}/ignition/worker-1.ign`, sha512Hex(full)), { compact: true });
    expect(await validateIgnition(pointer, '3.2.0')).toEqual([]);
    expect(pointer.length).toBeLessThan(400);
    const before = requests;
    const a = await applyIgnition(pointer, { groups: ['wheel'] });
    roots.push(a);
    expect({ code: a.code, log: a.code ? a.log : '' }).toEqual({ code: 0, log: '' });
    expect(requests).toBeGreaterThan(before);
    expect(readFileSync(join(a.root, 'etc/hostname'), 'utf8')).toBe('worker-1\n');
    expect(existsSync(join(a.root, 'usr/local/bin/nkd-kubeadm'))).toBe(true);
  });

  test('with a hash that does not match, the real ignition refuses the config and writes nothing', async () => {
    const pointer = serializeIgnition(pointerConfig('3.2.0', `${base}/ignition/worker-1.ign`, sha512Hex(full + ' ')));
    const a = await applyIgnition(pointer, { groups: ['wheel'] });
    roots.push(a);
    expect(a.code).not.toBe(0);
    expect(a.log).toMatch(/hash/i);
    expect(existsSync(join(a.root, 'etc/hostname'))).toBe(false);
  });
});
