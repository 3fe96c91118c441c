// Golden file of `nkd operator manifests` (what GitOps pipelines commit): the YAML for a fixed
// image is compared with test/golden/operator/manifests.yaml.
// Regenerate (then review the diff like code): bash hack/update-golden.sh
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestsYaml } from '../../../pkg/upgrade/install/manifests.js';
import { GOLDEN_DIR } from '../../golden/tree.js';

const file = join(GOLDEN_DIR, 'operator', 'manifests.yaml');

describe('the operator manifests golden file', () => {
  it('equals what nkd operator manifests prints for a fixed image', async () => {
    const got = manifestsYaml({ image: 'registry.example/nestos/nkd:v0.1.0' });
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, got);
    if (got !== (await readFile(file, 'utf8'))) {
      throw new Error('test/golden/operator/manifests.yaml differs from the manifests; if the change is intended run bash hack/update-golden.sh and review the diff');
    }
  });
});
