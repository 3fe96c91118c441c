/**
 * The real Ignition tools for the integration tests (installed by hack/env/20-ignition.sh):
 * Debian's ignition-validate (3.2.0/3.3.0), ignition v2.20's validate and published JSON
 * schema (3.4.0), and the real `ignition` binary applied to a scratch root.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';

const run = promisify(execFile);

/** The real ignition binary from Debian's package. */
export const IGNITION_BIN = '/usr/lib/dracut/modules.d/30ignition/ignition';

/** Where hack/env/20-ignition.sh keeps the ignition v2.20 validate binary and the 3.4.0 schema. */
export function ignitionCacheDir(): string {
  return join(process.env.NKD_CACHE_DIR ?? join(homedir(), '.cache', 'nkd'), 'ignition', 'v2.20.0');
}

/** Throws a clear message when the test environment is not installed. */
export function requireTools(): void {
  const missing = [IGNITION_BIN, '/usr/bin/ignition-validate', join(ignitionCacheDir(), 'validate'), join(ignitionCacheDir(), 'ignition-3.4.0.schema.json')].filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`Ignition test tools missing (${missing.join(', ')}): run bash hack/env/20-ignition.sh`);
}

let schema34: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

async function schemaValidator(): Promise<((data: unknown) => boolean) & { errors?: unknown }> {
  if (!schema34) {
    const s = JSON.parse(await readFile(join(ignitionCacheDir(), 'ignition-3.4.0.schema.json'), 'utf8'));
    delete s.$schema; // draft-04 header; the schema uses no keyword whose meaning changed since
    schema34 = new Ajv({ strict: false, allErrors: true }).compile(s);
  }
  return schema34;
}

/**
 * Problems the real validators report for a serialized config (warnings count as problems):
 * ignition-validate for 3.2.0/3.3.0; for 3.4.0 ignition v2.20's validate and the published schema.
 */
export async function validateIgnition(text: string, version: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'nkd-ign-validate-'));
  try {
    const file = join(dir, 'config.ign');
    await writeFile(file, text);
    const problems: string[] = [];
    const tool = version === '3.4.0' ? join(ignitionCacheDir(), 'validate') : 'ignition-validate';
    try {
      const { stdout, stderr } = await run(tool, [file]);
      if ((stdout + stderr).trim()) problems.push(`${tool}: ${(stdout + stderr).trim()}`);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      problems.push(`${tool}: ${(e.stdout ?? '') + (e.stderr ?? '') || e.message}`);
    }
    if (version === '3.4.0') {
      const v = await schemaValidator();
      if (!v(JSON.parse(text))) problems.push(`schema: ${JSON.stringify(v.errors)}`);
    }
    return problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A scratch root a config was applied to. */
export interface Applied {
  /** The root directory. */
  root: string;
  /** Exit code of the failing stage, or 0. */
  code: number;
  /** Logs of every stage. */
  log: string;
  /** Removes the scratch directory. */
  cleanup: () => Promise<void>;
}

/**
 * Runs the real ignition's stages fetch-offline, fetch (when the config needs the network) and
 * files on `root`, as NestOS's initramfs does before the first boot: `state` holds its cache and
 * state files; `stubBin` gets a setfiles stub (SELinux is off in the test roots). `prefix` runs
 * each stage through a command (e.g. `ip netns exec NS`: the host's network namespace).
 */
export async function runIgnitionStages(root: string, configFile: string, state: string, stubBin: string, prefix: string[] = []): Promise<{ code: number; log: string }> {
  await mkdir(stubBin, { recursive: true });
  await writeFile(join(stubBin, 'setfiles'), '#!/bin/sh\ncat >/dev/null\nexit 0\n', { mode: 0o755 });
  await chmod(join(stubBin, 'setfiles'), 0o755);
  const env = { ...process.env, PATH: `${stubBin}:${process.env.PATH}`, IGNITION_CONFIG_FILE: configFile };
  const common = ['--platform=file', `--root=${root}`, `--config-cache=${state}/cache.json`, `--state-file=${state}/state`, `--neednet=${state}/neednet`, '--log-to-stdout'];
  let log = '';
  for (const stage of ['fetch-offline', 'fetch', 'files']) {
    if (stage === 'fetch' && !existsSync(`${state}/neednet`)) continue;
    try {
      const argv = [...prefix, IGNITION_BIN, `--stage=${stage}`, ...common];
      const r = await run(argv[0]!, argv.slice(1), { env, maxBuffer: 64 << 20 });
      log += r.stdout + r.stderr;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      log += (e.stdout ?? '') + (e.stderr ?? '');
      return { code: typeof e.code === 'number' ? e.code : 1, log };
    }
  }
  return { code: 0, log };
}

/**
 * Applies a config with the real ignition (stages fetch-offline, fetch when it asks for the
 * network, files) to a fresh scratch root with SELinux off, a stub setfiles, and passwd/group
 * files holding root and `groups`; then `systemctl --root preset` for the enabled units.
 */
export async function applyIgnition(text: string, opts: { groups?: string[]; presetUnits?: string[]; prefix?: string[] } = {}): Promise<Applied> {
  const dir = await mkdtemp(join(tmpdir(), 'nkd-ign-apply-'));
  await chmod(dir, 0o755); // ignition writes SSH keys as the user, who must traverse the path
  const root = join(dir, 'root');
  const t = join(dir, 'state');
  const bin = join(dir, 'bin');
  await Promise.all([mkdir(join(root, 'etc', 'selinux'), { recursive: true }), mkdir(t), mkdir(bin)]);
  const groups = ['root', ...(opts.groups ?? [])];
  await Promise.all([
    writeFile(join(root, 'etc/selinux/config'), 'SELINUX=disabled\nSELINUXTYPE=targeted\n'),
    writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n'),
    writeFile(join(root, 'etc/group'), groups.map((g, i) => `${g}:x:${i === 0 ? 0 : 10 + i}:\n`).join('')),
    writeFile(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 }),
    writeFile(join(root, 'etc/gshadow'), groups.map((g) => `${g}:*::\n`).join(''), { mode: 0o600 }),
    writeFile(join(dir, 'config.ign'), text),
  ]);
  const { code, log: stages } = await runIgnitionStages(root, join(dir, 'config.ign'), t, bin, opts.prefix);
  let log = stages;
  if (code === 0 && opts.presetUnits?.length) {
    const r = await run('systemctl', [`--root=${root}`, 'preset', ...opts.presetUnits]);
    log += r.stdout + r.stderr;
  }
  return { root, code, log, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
