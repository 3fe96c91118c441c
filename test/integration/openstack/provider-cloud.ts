/**
 * The real OpenStack cloud the provider tests run against: one already running (NKD_TEST_OPENSTACK_DIR
 * naming its directory, or its env file exported: OS_CLIENT_CONFIG_FILE and NKD_OS_KEYSTONE_URL,
 * from `hack/openstack/cloud.sh up`), used and left running; else one of our own started by hack/openstack/cloud.sh on its own
 * ports and stopped by it (by PID) afterwards. Skipped, saying why, when the OpenStack packages
 * of hack/env are not installed.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = resolve('hack/openstack/cloud.sh');

/** A test cloud: its clouds.yaml (entries nkd-test and nkd-admin) and Keystone's URL. */
export interface ProviderCloud {
  cloudsFile: string;
  keystoneUrl: string;
  stop(): Promise<void>;
}

/** True when a cloud is given, or its packages (hack/env/60-openstack.sh) and hack/openstack/cloud.sh are here. */
export async function openStackPackages(): Promise<boolean> {
  if (process.env.NKD_TEST_OPENSTACK_DIR || (process.env.OS_CLIENT_CONFIG_FILE && process.env.NKD_OS_KEYSTONE_URL)) return true;
  const here = async (f: string): Promise<boolean> => access(f).then(() => true, () => false);
  return (await here('/usr/bin/nova-api')) && (await here('/usr/bin/neutron-server')) && (await here(script));
}

/** The running cloud of the environment, or a new one (see the file comment). */
export async function providerCloud(portBase = 25200): Promise<ProviderCloud> {
  const running = process.env.NKD_TEST_OPENSTACK_DIR;
  if (running) {
    const base = /NKD_OS_KEYSTONE_URL=(\S+)/.exec(await readFile(join(running, 'env'), 'utf8'))?.[1];
    if (!base) throw new Error(`NKD_TEST_OPENSTACK_DIR=${running}: its env file names no NKD_OS_KEYSTONE_URL (is the cloud up?)`);
    return { cloudsFile: join(running, 'clouds.yaml'), keystoneUrl: base, stop: () => Promise.resolve() };
  }
  const given = process.env.OS_CLIENT_CONFIG_FILE;
  if (given && process.env.NKD_OS_KEYSTONE_URL) return { cloudsFile: given, keystoneUrl: process.env.NKD_OS_KEYSTONE_URL, stop: () => Promise.resolve() };
  const dir = await mkdtemp(join(tmpdir(), 'nkd-os-cloud-'));
  await run('bash', [script, 'up', dir, String(portBase)], { maxBuffer: 64 << 20, timeout: 30 * 60_000 });
  return {
    cloudsFile: join(dir, 'clouds.yaml'),
    keystoneUrl: `http://127.0.0.1:${portBase}/v3`,
    stop: async () => {
      await run('bash', [script, 'down', dir], { timeout: 120_000 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
