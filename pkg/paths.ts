import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The nkd package root (the folder with package.json, templates/ and crds/), found from this
 * module's own location so it is the same from the TypeScript sources (jest) and from dist/.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'templates'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nkd package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  root = dir;
  return dir;
}

/** Absolute path of a file under templates/. */
export function templatePath(...parts: string[]): string {
  return join(packageRoot(), 'templates', ...parts);
}
