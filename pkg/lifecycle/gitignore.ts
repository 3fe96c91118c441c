import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const HEADER = '# Written by nkd render';

/** The rendered files and their modes, from the directory's manifest.json. */
async function manifestFiles(dir: string): Promise<Array<{ path: string; mode: string }>> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files?: Array<{ path: string; mode: string }> };
    return Array.isArray(m.files) ? m.files : [];
  } catch {
    return [];
  }
}

/**
 * The .gitignore of a cluster directory: every secret (mode 0600: private keys, tokens,
 * kubeconfigs, and the Ignition and kubeadm files that carry them), a whole folder when all
 * its files are secret; the debug log and journal too.
 */
function gitignoreText(files: Array<{ path: string; mode: string }>): string {
  const byTop = new Map<string, Array<{ path: string; mode: string }>>();
  for (const f of files) {
    const top = f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : '';
    byTop.set(top, [...(byTop.get(top) ?? []), f]);
  }
  const lines: string[] = [];
  for (const [top, fs] of [...byTop].sort(([a], [b]) => a.localeCompare(b))) {
    const secret = fs.filter((f) => f.mode === '0600');
    if (top && secret.length === fs.length) lines.push(`/${top}/`);
    else lines.push(...secret.map((f) => `/${f.path}`).sort());
  }
  const safe = files.filter((f) => f.mode !== '0600').map((f) => f.path);
  return [
    `${HEADER}: this directory holds private keys, tokens and kubeconfigs.`,
    '# Every path below is a secret (mode 0600; the control-plane Ignition configs carry the CA keys):',
    '# keep them in a secret store, never in git. Safe to commit: .gitignore, .nkd/state.json,',
    `# manifest.json${safe.some((p) => p === 'cluster.yaml') ? ', cluster.yaml' : ''} and the certificates (*.crt, pki/sa.pub).`,
    ...lines,
    '/.nkd/nkd.log',
    '/.nkd/*.lock',
    '',
  ].join('\n');
}

/**
 * Writes `<dir>/.gitignore` for the secrets of a render (atomically), unless the user wrote
 * their own. Returns false when an existing .gitignore is not nkd's and was left alone.
 */
export async function writeGitignore(dir: string): Promise<boolean> {
  const file = join(dir, '.gitignore');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.startsWith(HEADER)) return false;
  const text = gitignoreText(await manifestFiles(dir));
  if (existing === text) return true;
  await writeFile(`${file}.tmp`, text, { mode: 0o644 });
  await rename(`${file}.tmp`, file);
  return true;
}
