/**
 * OpenStack deploy and destroy wall time against the real services of hack/openstack/cloud.sh
 * (Nova's fake virt driver: servers go ACTIVE without a guest, so this measures nkd and the
 * control plane of OpenStack, not booting): 1, 5 and 20 servers, concurrency 4. Medians of
 * 2 runs. Run: npm run bench -- openstack (needs hack/env's OpenStack packages; skipped without).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadClusterText } from '../../pkg/config/load.js';
import { Journal } from '../../pkg/infra/journal.js';
import { OpenStackProvider } from '../../pkg/infra/openstack/provider.js';
import { openstackJournalSettings, openstackSettings } from '../../pkg/infra/openstack/settings.js';
import type { DesiredCluster } from '../../pkg/infra/types.js';
import { openStackClusterDoc, toYaml } from '../fixtures/cluster.js';
import type { Report } from './run.js';
import { median } from './stats.js';

const quiet = { info() {}, ok() {}, warn() {}, debug() {} };
const exec = promisify(execFile);

/**
 * The cloud to measure on: a running one (NKD_TEST_OPENSTACK_DIR), else one of our own from
 * hack/openstack/cloud.sh (the jest fixture test/integration/openstack/cloud.ts cannot load
 * outside jest); undefined when the services are not installed.
 */
async function benchCloud(): Promise<{ cloudsYaml: string; stop(): Promise<void> } | undefined> {
  const running = process.env.NKD_TEST_OPENSTACK_DIR;
  if (running) return { cloudsYaml: join(running, 'clouds.yaml'), stop: () => Promise.resolve() };
  if (!existsSync('/usr/bin/nova-conductor')) return undefined;
  const script = resolve('hack/openstack/cloud.sh');
  const dir = await mkdtemp(join(tmpdir(), 'nkd-bench-cloud-'));
  await exec('bash', [script, 'up', dir, '25300'], { maxBuffer: 64 << 20 });
  return { cloudsYaml: join(dir, 'clouds.yaml'), stop: async () => { await exec('bash', [script, 'down', dir]); await rm(dir, { recursive: true, force: true }); } };
}

/** A cluster of `n` servers (one control plane) with small first stages; the provider does not read more. */
async function cluster(dir: string, name: string, n: number, cloudsFile: string) {
  const doc = openStackClusterDoc({ cloud: 'nkd-test', image: 'nkd-test-image', flavor: 'm1.tiny', externalNetwork: 'public', bootServer: { address: '127.0.0.1' } });
  doc.metadata.name = name;
  doc.spec.nodes = Array.from({ length: n }, (_, i) => ({ name: `n${i + 1}`, role: i === 0 ? 'control-plane' : 'worker', ip: `10.231.0.${11 + i}` }));
  doc.spec.kubernetes.controlPlaneEndpoint = { host: '10.231.0.11' };
  const { config } = await loadClusterText(toYaml(doc), { file: 'c.yaml', env: {} });
  const desired: DesiredCluster = { clusterId: name, nodes: [] };
  for (const node of config.spec.nodes) {
    const ign = JSON.stringify({ ignition: { version: '3.3.0' }, passwd: { users: [{ name: node.name }] } });
    const path = join(dir, `${name}-${node.name}.ign`);
    await writeFile(path, ign);
    desired.nodes.push({ name: node.name, role: node.role, ip: node.ip!, ignitionPath: path, ignitionSha512: createHash('sha512').update(ign).digest('hex') });
  }
  const settings = openstackSettings(config);
  const provider = new OpenStackProvider(settings, { cloudsEnv: { env: { OS_CLIENT_CONFIG_FILE: cloudsFile }, cwd: dir, home: dir }, waits: { pollMs: 250 } });
  const journal = await Journal.open(join(dir, `${name}.json`), { clusterId: name, provider: 'openstack', providerConfig: openstackJournalSettings(settings) });
  return { provider, journal, desired };
}

/** Runs the benchmark. */
export async function run(report: Report): Promise<void> {
  const cloud = await benchCloud();
  if (!cloud) {
    console.error('openstack: skipped (no NKD_TEST_OPENSTACK_DIR, and the OpenStack packages of hack/env/60-openstack.sh are not installed)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'nkd-bench-os-'));
  try {
    for (const n of [1, 5, 20]) {
      const deploys: number[] = [];
      const destroys: number[] = [];
      for (let r = 0; r < 2; r++) {
        const { provider, journal, desired } = await cluster(dir, `b${n}r${r}`, n, cloud.cloudsYaml);
        const t0 = performance.now();
        await provider.apply(await provider.plan(desired, journal), journal, { progress: quiet, concurrency: 4 });
        deploys.push(performance.now() - t0);
        const t1 = performance.now();
        const rep = await provider.destroy(journal, { progress: quiet });
        destroys.push(performance.now() - t1);
        if (rep.remaining.length) throw new Error(`destroy left ${rep.remaining.map((x) => `${x.kind} ${x.name}`).join(', ')}`);
      }
      report(`deploy-${n}-servers`, median(deploys) / 1000, 's');
      report(`destroy-${n}-servers`, median(destroys) / 1000, 's');
    }
  } finally {
    await cloud.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
