/**
 * Test fixture: a real OpenStack cloud on loopback (hack/openstack/cloud.sh, ADR 0311). Keystone, Glance,
 * Placement, Neutron (ML2 with the real linuxbridge agent binding ports), Nova with the fake virt driver,
 * RabbitMQ and MariaDB, all from Debian's packages, all in one scratch directory, stopped by PID.
 * Fixtures running at once take different slots: slot k uses ports 25000 + 20k … +7.
 * Set NKD_TEST_OPENSTACK_DIR to the directory of a cloud you started with `cloud.sh up DIR` to reuse it
 * (the fixture then neither starts nor stops anything).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { describeWhenAvailable, takeSlot } from '../../helpers/fixture-slots.js';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLOUD_SH = join(REPO, 'hack/openstack/cloud.sh');
const SLOTS_DIR = join(tmpdir(), 'nkd-openstack-slots');
const SLOT_COUNT = 4;
/** Env var: directory of an already running cloud (`cloud.sh up DIR`) to use instead of starting one. */
export const OPENSTACK_DIR_ENV = 'NKD_TEST_OPENSTACK_DIR';

/** One entry of clouds.yaml (password auth). */
export interface CloudEntry {
  auth: {
    auth_url: string;
    username: string;
    password: string;
    project_name: string;
    user_domain_name: string;
    project_domain_name: string;
  };
  auth_type: 'password';
  region_name: string;
  interface: string;
  identity_api_version: number;
}

/** The running cloud. */
export interface TestCloud {
  /** The cloud's directory: config, state, logs (log/<service>.log). */
  dir: string;
  /** Path of its clouds.yaml, with the entries `nkd-test` and `nkd-admin`. */
  cloudsYaml: string;
  /** `nkd-test`: a member (not admin) of project `nkd`; what nkd itself uses. */
  cloud: CloudEntry;
  /** `nkd-admin`: the cloud's admin, for the tests' own checks. */
  adminCloud: CloudEntry;
  /** Stops every service (by PID) and removes the directory. */
  stop(): Promise<void>;
}

/** Why the test cloud cannot run here, or undefined when it can. */
export function openstackUnavailable(): string | undefined {
  if (process.env[OPENSTACK_DIR_ENV]) return undefined;
  if (process.getuid?.() !== 0) return 'the cloud runs its services as root';
  for (const file of ['/usr/bin/keystone-manage', '/usr/bin/nova-conductor', '/usr/bin/neutron-server', '/usr/sbin/mariadbd']) {
    if (!existsSync(file)) return `${file} is missing (run hack/env/60-openstack.sh)`;
  }
  return undefined;
}

/** describe() for suites that need the cloud (skipped with the reason outside CI when it cannot run). */
export function describeWithOpenStack(name: string, fn: () => void): void {
  describeWhenAvailable(openstackUnavailable(), name, fn);
}

async function readClouds(dir: string): Promise<Pick<TestCloud, 'cloudsYaml' | 'cloud' | 'adminCloud'>> {
  const cloudsYaml = join(dir, 'clouds.yaml');
  const doc = yaml.load(await readFile(cloudsYaml, 'utf8')) as { clouds: Record<string, CloudEntry | undefined> };
  const cloud = doc.clouds['nkd-test'];
  const adminCloud = doc.clouds['nkd-admin'];
  if (!cloud || !adminCloud) throw new Error(`${cloudsYaml}: clouds nkd-test and nkd-admin expected`);
  return { cloudsYaml, cloud, adminCloud };
}

/** Its owner died: stop what it may have left running before reusing the ports. */
async function reclaim(_k: number, slotDir: string): Promise<void> {
  const left = await readFile(join(slotDir, 'dir'), 'utf8').catch(() => '');
  if (left && existsSync(join(left, 'pids'))) await run('bash', [CLOUD_SH, 'down', left]).catch(() => undefined);
}

/**
 * Starts the cloud and waits until it can boot a server (bounded inside cloud.sh; the first run on a
 * machine prepares its databases, minutes; later runs copy them, see docs/testing.md). On failure the
 * error names the service and carries the last lines of its log.
 */
export async function startTestCloud(): Promise<TestCloud> {
  const preset = process.env[OPENSTACK_DIR_ENV];
  if (preset) return { dir: preset, ...(await readClouds(preset)), stop: async () => undefined };
  const { k: slot, dir: slotDir, release: releaseSlot } = await takeSlot(SLOTS_DIR, SLOT_COUNT, 'OpenStack', reclaim);
  const dir = await mkdtemp(join(tmpdir(), 'nkd-openstack-'));
  await writeFile(join(slotDir, 'dir'), dir);
  const release = async (keepLogs = false): Promise<void> => {
    await run('bash', [CLOUD_SH, 'down', dir], { timeout: 120_000 }).catch(() => undefined);
    if (!keepLogs) await rm(dir, { recursive: true, force: true });
    await releaseSlot();
  };
  try {
    await run('bash', [CLOUD_SH, 'up', dir, String(25000 + 20 * slot)], { timeout: 20 * 60_000, maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    await release(true);
    throw new Error(`starting the OpenStack test cloud failed (logs in ${dir}/log):\n${err.stderr ?? err.message}`, { cause: e });
  }
  return { dir, ...(await readClouds(dir)), stop: release };
}
