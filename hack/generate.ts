/**
 * Writes every generated file: the config types, the config reference and the CRDs.
 * Usage: npm run generate [-- --out DIR]   (DIR defaults to the repository root;
 * hack/verify-generated.sh writes to a scratch DIR and compares).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../pkg/paths.js';
import { generatedFiles } from '../pkg/generated.js';

const i = process.argv.indexOf('--out');
const out = i > 0 ? process.argv[i + 1]! : packageRoot();
const files = await generatedFiles();
for (const [rel, text] of Object.entries(files)) {
  const path = join(out, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
console.error(`wrote ${Object.keys(files).length} generated files under ${out}`);
