/**
 * A FAKE first-boot host: the scratch root the real ignition wrote, entered with chroot in a
 * private mount namespace, with the machine's /usr bound read-only underneath and FAKE
 * rpm-ostree, systemctl and kubeadm (shell stubs that log their arguments and answer from
 * files under /fake) first on PATH. The rendered scripts themselves run for real in bash.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const FAKES: Record<string, string> = {
  // status: prints the booted deployment from /fake/booted; rebase: logs and obeys /fake/rebase-rc
  'rpm-ostree': `#!/bin/sh
echo "rpm-ostree $*" >> /fake/calls
case "$1" in
  status) echo "State: idle"; echo "Deployments:"; echo "● $(cat /fake/booted)";;
  rebase) exit "$(cat /fake/rebase-rc 2>/dev/null || echo 0)";;
esac
`,
  systemctl: `#!/bin/sh
echo "systemctl $*" >> /fake/calls
`,
  // exits with the next code from /fake/kubeadm-rcs (one per line), 0 when none is left
  kubeadm: `#!/bin/sh
echo "kubeadm $*" >> /fake/calls
rc=$(head -n 1 /fake/kubeadm-rcs 2>/dev/null)
sed -i 1d /fake/kubeadm-rcs 2>/dev/null || true
exit "\${rc:-0}"
`,
};

/** Installs the fakes into a scratch root and sets what rpm-ostree reports as booted. */
export async function prepareFakeHost(root: string, booted: string): Promise<void> {
  await mkdir(join(root, 'usr/local/sbin'), { recursive: true });
  await mkdir(join(root, 'fake'), { recursive: true });
  for (const [name, text] of Object.entries(FAKES)) {
    await writeFile(join(root, 'usr/local/sbin', name), text);
    await chmod(join(root, 'usr/local/sbin', name), 0o755);
  }
  await writeFile(join(root, 'fake/booted'), booted + '\n');
  await writeFile(join(root, 'fake/calls'), '');
}

/** Sets a fake's answer file under /fake. */
export async function setFake(root: string, file: string, contents: string): Promise<void> {
  await writeFile(join(root, 'fake', file), contents);
}

/** Calls the fakes saw so far, one line each; clears the log. */
export async function takeCalls(root: string): Promise<string[]> {
  const text = await readFile(join(root, 'fake/calls'), 'utf8');
  await writeFile(join(root, 'fake/calls'), '');
  return text.split('\n').filter(Boolean);
}

/** Runs `command` (bash) inside the fake host; returns its exit code and output. */
export async function runOnFakeHost(root: string, command: string): Promise<{ code: number; output: string }> {
  const driver = `set -eu
R="$1"
mount --make-rprivate /
for d in usr/bin usr/sbin usr/lib usr/lib64 usr/libexec usr/share; do
  [ -d "/$d" ] || continue
  mkdir -p "$R/$d"
  mount --bind -o ro "/$d" "$R/$d"
done
for l in bin sbin lib lib64; do [ -e "$R/$l" ] || ln -s "usr/$l" "$R/$l"; done
mkdir -p "$R/dev" "$R/tmp" "$R/run" "$R/proc"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
mount -t proc proc "$R/proc"
exec chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME=/root /bin/bash -c "$2"
`;
  try {
    const r = await run('unshare', ['--mount', '--fork', 'bash', '-c', driver, 'driver', root, command]);
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: (e.stdout ?? '') + (e.stderr ?? '') || e.message };
  }
}
