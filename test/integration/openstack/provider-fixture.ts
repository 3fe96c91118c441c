/**
 * What the OpenStack provider tests share: a rendered OpenStack cluster (real render: the
 * nodes' first stages and secret bundles), sessions to the test cloud as the member nkd uses
 * and as its admin (for checks nkd itself may not make: a server's user data, quotas), and
 * the cluster's resources as the services' own listings show them.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterText } from '../../../pkg/config/load.js';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { Journal } from '../../../pkg/infra/journal.js';
import { OpenStackApi } from '../../../pkg/infra/openstack/api.js';
import { resolveOpenStackAuth } from '../../../pkg/infra/openstack/clouds.js';
import { KeystoneSession } from '../../../pkg/infra/openstack/keystone.js';
import { namePrefix } from '../../../pkg/infra/openstack/names.js';
import { neutronList, type NeutronKind } from '../../../pkg/infra/openstack/neutron.js';
import { listServerGroups, serversTagged } from '../../../pkg/infra/openstack/nova.js';
import { openstackJournalSettings, openstackSettings } from '../../../pkg/infra/openstack/settings.js';
import type { DesiredCluster, Progress } from '../../../pkg/infra/types.js';
import { desiredCluster } from '../../../pkg/lifecycle/desired.js';
import { renderWithAssets } from '../../../pkg/lifecycle/render-port.js';
import { openStackClusterDoc, toYaml } from '../../fixtures/cluster.js';

/** Progress that keeps its lines (and may act on each). */
export function recordingProgress(on?: (line: string) => void): Progress & { lines: string[] } {
  const lines: string[] = [];
  const rec = (g: string) => (m: string) => {
    lines.push(`${g} ${m}`);
    on?.(`${g} ${m}`);
  };
  return { lines, info: rec('•'), ok: rec('✓'), warn: rec('!'), debug: rec(' ') };
}

/** A session and API of a clouds.yaml entry of the test cloud. */
export async function cloudApi(cloudsFile: string, cloud: string): Promise<OpenStackApi> {
  const auth = await resolveOpenStackAuth({ cloud } as ClusterConfig['spec']['openstack'] & object, { env: { OS_CLIENT_CONFIG_FILE: cloudsFile }, cwd: '/nonexistent', home: '/nonexistent' });
  const s = new KeystoneSession(auth);
  await s.authenticate();
  return new OpenStackApi(s, { attempts: 3, baseMs: 500, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
}

/** A cluster file on the test cloud: `name`, the given nodes, `extra` in spec.openstack, rendered into a new directory. */
export async function renderedCluster(name: string, opts: { nodes?: Array<Record<string, unknown>>; extra?: Record<string, unknown>; vip?: boolean; bootPort: number }): Promise<{ config: ClusterConfig; dir: string; desired: DesiredCluster }> {
  const doc = openStackClusterDoc({ cloud: 'nkd-test', image: 'nkd-test-image', flavor: 'm1.small', externalNetwork: 'public', bootServer: { address: '127.0.0.1', port: opts.bootPort }, ...opts.extra });
  doc.metadata.name = name;
  if (opts.nodes) doc.spec.nodes = opts.nodes;
  if (opts.vip === false) doc.spec.kubernetes.controlPlaneEndpoint = { host: doc.spec.nodes[0].ip };
  const { config } = await loadClusterText(toYaml(doc), { file: 'cluster.yaml', env: {} });
  const dir = await mkdtemp(join(tmpdir(), `nkd-os-${name}-`));
  const rendered = await renderWithAssets(config, { dir, baseDir: dir });
  return { config, dir, desired: desiredCluster(config, rendered) };
}

/** A new journal for a rendered cluster. */
export function openJournal(dir: string, config: ClusterConfig): Promise<Journal> {
  return Journal.open(join(dir, '.nkd', 'journal.json'), { clusterId: config.metadata.name, provider: 'openstack', providerConfig: openstackJournalSettings(openstackSettings(config)) });
}

/** The cluster's resources as the services list them: `kind name` lines, sorted (tags; server groups by name). */
export async function listedResources(api: OpenStackApi, cluster: string, tag: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of await serversTagged(api, tag)) out.push(`server ${s.name}`);
  const kinds: NeutronKind[] = ['network', 'subnet', 'router', 'security-group', 'port', 'floating-ip'];
  for (const kind of kinds) {
    for (const r of await neutronList<{ name: string; description?: string }>(api, kind, { tags: tag })) out.push(`${kind} ${r.name || r.description || '?'}`);
  }
  for (const g of await listServerGroups(api)) if (g.name.startsWith(namePrefix(cluster))) out.push(`server-group ${g.name}`);
  return out.sort();
}
