/**
 * The text files inside the rendered configs pass their real parsers and linters: TOML
 * (python3 tomllib) for containerd, CRI-O and registries; JSON for iSulad and Docker;
 * shellcheck for every script nkd renders; keepalived --config-test for keepalived.conf.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerRuntimeSpec } from '../../../pkg/config/types.gen.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { HOST } from '../../../pkg/host/paths.js';
import { runtimeSetup } from '../../../pkg/runtime/setup.js';
import { fileText } from '../../unit/ignition/decode.js';
import { extrasFor, SCENARIOS, scenarioConfig } from '../../unit/node/scenarios.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'nkd-node-files-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const mirrors: Omit<ContainerRuntimeSpec, 'type'> = {
  registryMirrors: [
    { registry: 'docker.io', endpoints: ['https://mirror.example.com', 'http://10.231.0.5:5000/hub'] },
    { registry: 'quay.io', endpoints: ['https://quay-mirror.example.com'] },
  ],
  insecureRegistries: ['registry.internal:5000'],
  restrictOOMScoreAdj: false,
};

describe('rendered runtime files parse', () => {
  test.each([
    ['containerd, config v2', 'containerd', 2],
    ['containerd, config v3', 'containerd', 3],
    ['CRI-O', 'crio', 2],
    ['iSulad', 'isulad', 2],
    ['Docker', 'docker', 2],
  ] as const)('%s: TOML files load with tomllib, JSON files with JSON.parse', async (_name, type, version) => {
    const setup = runtimeSetup({ type, ...mirrors }, 'registry.k8s.io/pause:3.10', { containerdConfigVersion: version });
    const toml: string[] = [];
    for (const [i, f] of setup.files.entries()) {
      if (f.path.endsWith('.json')) expect(() => JSON.parse(f.contents)).not.toThrow();
      else if (f.path.endsWith('.toml') || f.path.endsWith('.conf')) {
        toml.push(join(dir, `${type}-${version}-${i}.toml`));
        await writeFile(toml.at(-1)!, f.contents);
      }
    }
    if (type !== 'isulad' && type !== 'docker') expect(toml.length).toBeGreaterThan(0);
    if (toml.length) {
      const { stdout } = await run('python3', ['-c', 'import sys,tomllib\nfor f in sys.argv[1:]: tomllib.load(open(f,"rb"))\nprint("ok")', ...toml]);
      expect(stdout).toBe('ok\n');
    }
  });

  test('containerd v2 keeps the pause image exactly, quotes included', async () => {
    const f = runtimeSetup({ type: 'containerd', ...mirrors }, 'reg/pause:3.10 "q"\\').files[0]!;
    const file = join(dir, 'c.toml');
    await writeFile(file, f.contents);
    const { stdout } = await run('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1],"rb"))))', file]);
    expect(JSON.parse(stdout).plugins['io.containerd.grpc.v1.cri'].sandbox_image).toBe('reg/pause:3.10 "q"\\');
  });
});

describe('rendered scripts and keepalived.conf', () => {
  test('every script passes shellcheck', async () => {
    const config = await scenarioConfig(SCENARIOS.find((s) => s.name.includes('pre-hooks'))!);
    const ka = await scenarioConfig(SCENARIOS.find((s) => s.name.includes('keepalived'))!);
    const scripts = new Map<string, string>();
    for (const c of [config, ka]) {
      for (const n of c.spec.nodes) {
        const cfg = buildNodeIgnition(c, n, extrasFor(c, n));
        for (const f of cfg.storage!.files!) if (f.path.startsWith('/usr/local/bin/')) scripts.set(`${n.role}-${f.path}`, fileText(cfg, f.path)!);
      }
    }
    expect(scripts.size).toBeGreaterThanOrEqual(6);
    for (const [name, text] of scripts) {
      const file = join(dir, name.replace(/\//g, '_'));
      await writeFile(file, text);
      const r = await run('shellcheck', [file]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      expect({ name, findings: r.stdout }).toEqual({ name, findings: '' });
    }
  });

  test('keepalived.conf passes keepalived --config-test on every control-plane node', async () => {
    const c = await scenarioConfig(SCENARIOS.find((s) => s.name.includes('keepalived'))!);
    const check = join(dir, 'check.sh');
    await writeFile(check, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    for (const n of c.spec.nodes.filter((x) => x.role === 'control-plane')) {
      // the health check lives at its host path only on the node; point at a local copy
      const text = fileText(buildNodeIgnition(c, n, extrasFor(c, n)), HOST.keepalivedConf)!.replace(HOST.checkApiserverScript, check);
      const file = join(dir, `keepalived-${n.name}.conf`);
      await writeFile(file, text);
      const log = join(dir, `keepalived-${n.name}.log`);
      const r = await run('keepalived', [`--config-test=${log}`, '-f', file]).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
      expect({ node: n.name, code: r }).toEqual({ node: n.name, code: 0 });
    }
  });
});
