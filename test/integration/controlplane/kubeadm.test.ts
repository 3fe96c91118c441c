import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeBinary } from '../../harness/binaries.js';
import { kubernetesVersions } from '../../harness/versions.js';

const run = promisify(execFile);

describe.each(kubernetesVersions().testVersions)('the built kubeadm %s', (version) => {
  test('reports its own version (kubeadm checks it against kubernetesVersion)', async () => {
    const { stdout } = await run(kubeBinary('kubeadm', version), ['version', '-o', 'short']);
    expect(stdout.trim()).toBe(`v${version}`);
  });

  test('validates the init configuration it prints', async () => {
    const kubeadm = kubeBinary('kubeadm', version);
    const dir = mkdtempSync(join(tmpdir(), 'nkd-kubeadm-'));
    try {
      const { stdout } = await run(kubeadm, ['config', 'print', 'init-defaults']);
      writeFileSync(join(dir, 'init.yaml'), stdout);
      const validated = await run(kubeadm, ['config', 'validate', '--config', join(dir, 'init.yaml')]);
      expect(validated.stdout.trim()).toBe('ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
