import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../pkg/paths.js';
import { nkdBin, stateHome } from '../../helpers/cli.js';
import { NOT_A_BUG, scratch } from './scratch.js';

// docs/getting-started.md walks the life of a cluster; every ```sh block not marked
// "not run by the docs test" is run here, in order, in one folder, exactly as written
// (`npx nkd` is the built binary).
jest.setTimeout(600_000);

interface Block {
  code: string;
  run: boolean;
}

function blocks(): Block[] {
  const text = readFileSync(join(packageRoot(), 'docs', 'getting-started.md'), 'utf8');
  return [...text.matchAll(/(<!-- not run by the docs test[^>]*-->\n)?```sh\n([\s\S]*?)```/g)].map((m) => ({ code: m[2]!, run: !m[1] }));
}

describe('docs/getting-started.md', () => {
  it('walks the whole life of a cluster: template, validate, render, plan, deploy, status, upgrade, extend, destroy', () => {
    const all = blocks().map((b) => b.code).join('\n');
    for (const cmd of ['nkd template', 'nkd validate', 'nkd render', 'nkd deploy -f cluster.yaml --dry-run', 'nkd deploy -f cluster.yaml', 'nkd status', 'nkd upgrade', 'nkd extend', 'nkd destroy']) {
      expect({ cmd, documented: all.includes(cmd) }).toEqual({ cmd, documented: true });
    }
  });

  it('has commands that work as written, run block by block', () => {
    const dir = scratch();
    const shim = join(dir, 'npx');
    // `npx nkd …` → the built binary; a libvirtd started by other tests must not change the plan.
    writeFileSync(shim, `#!/bin/sh\n[ "$1" = nkd ] || exit 99\nshift\nexec "${process.execPath}" "${nkdBin()}" "$@"\n`, { mode: 0o755 });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}`, XDG_STATE_HOME: stateHome(), NKD_LIBVIRT_URI: 'qemu+tcp://127.0.0.1:1/system' };
    for (const k of Object.keys(env)) if (k.startsWith('NKD_') && k !== 'NKD_LIBVIRT_URI') delete env[k];
    const ran: string[] = [];
    for (const b of blocks().filter((x) => x.run)) {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', b.code], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
      const label = { block: b.code.trim(), code: r.status };
      expect({ ...label, stderr: r.status === 0 && !NOT_A_BUG.test(r.stderr) ? '' : r.stderr }).toEqual({ block: b.code.trim(), code: 0, stderr: '' });
      ran.push(b.code.trim().split('\n')[0]!);
    }
    expect(ran).toEqual([
      'npx nkd template --platform libvirt --control-planes 3 --workers 2 > cluster.yaml',
      'npx nkd validate -f cluster.yaml',
      'NKD_KUBERNETES_VERSION=1.36.5 npx nkd validate -f cluster.yaml',
      'npx nkd render -f cluster.yaml',
      'cat demo/.gitignore',
      'npx nkd deploy -f cluster.yaml --dry-run',
      'npx nkd operator manifests > operator.yaml',
      'npx nkd status -f cluster.yaml',
      'npx nkd destroy -f cluster.yaml --dry-run',
    ]);
  });
});
