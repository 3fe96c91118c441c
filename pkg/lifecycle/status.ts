import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { providerForJournal } from '../infra/registry.js';
import { Journal, type PhaseRecord } from '../infra/journal.js';
import type { Provider, ResourceStatus } from '../infra/types.js';
import { usageError } from '../ui/errors.js';
import { ClusterDir } from '../cluster-dir.js';

/** One certificate of the cluster directory and when it expires. */
export interface CertificateStatus {
  file: string;
  subject: string;
  notAfter: string;
  daysLeft: number;
}
/** One node as the API server sees it. */
export interface NodeStatus {
  name: string;
  ready: boolean;
  condition: string;
  kubelet: string;
  roles: string[];
}
/** `nkd status` output. */
export interface StatusReport {
  cluster: string;
  dir: string;
  api: { server?: string; version?: string; error?: string };
  nodes: NodeStatus[];
  certificates: CertificateStatus[];
  provider?: string;
  resources: ResourceStatus[];
  phases: Record<string, PhaseRecord>;
}

async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.name.endsWith('.crt')) out.push(p);
  }
  return out.sort();
}

/** Every certificate under <dir>/pki with its expiry, soonest first. */
export async function certificateExpiry(dir: string, now = new Date()): Promise<CertificateStatus[]> {
  const out: CertificateStatus[] = [];
  for (const f of await walk(new ClusterDir(dir).pki)) {
    try {
      const c = new X509Certificate(await readFile(f));
      const notAfter = new Date(c.validTo);
      out.push({ file: relative(dir, f), subject: c.subject.replace(/\n/g, ', '), notAfter: notAfter.toISOString(), daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000) });
    } catch {
      out.push({ file: relative(dir, f), subject: '(not a readable certificate)', notAfter: '', daysLeft: NaN });
    }
  }
  return out.sort((a, b) => a.daysLeft - b.daysLeft);
}

/** Options of {@link clusterStatus}. */
export interface StatusOptions {
  dir: string;
  /** Admin kubeconfig (default <dir>/auth/admin.conf). */
  kubeconfig?: string;
  apiTimeoutMs?: number;
}

/** What status is built from: the journal's provider from the registry and the clock, unless injected. */
export interface StatusDeps {
  /** An injected provider (not closed). */
  provider?: Provider;
  now?: Date;
}

/** `nkd status`: nodes and versions from the API, certificate expiry, provider resources. */
export async function clusterStatus(opts: StatusOptions, deps: StatusDeps = {}): Promise<StatusReport> {
  const { dir } = opts;
  const data = await Journal.read(new ClusterDir(dir).journal);
  const kubeconfig = opts.kubeconfig ?? new ClusterDir(dir).adminKubeconfig;
  const certificates = await certificateExpiry(dir, deps.now);
  if (!data && certificates.length === 0) {
    throw usageError(`nkd status: ${dir} is not a cluster directory (no journal, no pki/)`, 'point --dir at the directory nkd render or nkd deploy wrote');
  }
  const report: StatusReport = { cluster: data?.clusterId ?? '', dir, api: {}, nodes: [], certificates, resources: [], phases: data?.phases ?? {} };
  try {
    const kube = await import('../kube/index.js');
    const { CoreV1Api, VersionApi } = await import('@kubernetes/client-node');
    const kc = await kube.loadKubeconfig(kubeconfig);
    report.api.server = kube.serverOf(kc);
    const bounded = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`no answer within ${(opts.apiTimeoutMs ?? 10_000) / 1000} s`)), opts.apiTimeoutMs ?? 10_000).unref())]);
    report.api.version = (await bounded(kc.makeApiClient(VersionApi).getCode())).gitVersion;
    const nodes = await bounded(kc.makeApiClient(CoreV1Api).listNode());
    report.nodes = nodes.items.map((n) => {
      const r = kube.nodeReadiness(n);
      return {
        name: n.metadata?.name ?? '',
        ready: r.ready,
        condition: r.why,
        kubelet: n.status?.nodeInfo?.kubeletVersion ?? '',
        roles: Object.keys(n.metadata?.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice('node-role.kubernetes.io/'.length)),
      };
    });
  } catch (e) {
    report.api.error = (e as Error).message;
  }
  if (data) {
    const journal = await Journal.open(new ClusterDir(dir).journal, { clusterId: data.clusterId, provider: data.provider });
    const provider = deps.provider ?? (await providerForJournal(journal));
    report.provider = provider.name;
    try {
      report.resources = await provider.status(journal);
    } catch (e) {
      report.resources = journal.entries().map((x) => ({ kind: x.kind, name: x.name, inJournal: true, state: `unknown (${(e as Error).message})` }));
    } finally {
      if (!deps.provider) await provider.close();
    }
  }
  return report;
}

/** The status report as text for humans. */
export function formatStatus(r: StatusReport): string {
  const out: string[] = [`cluster ${r.cluster || '(unknown)'} in ${r.dir}`];
  out.push(r.api.error ? `API server ${r.api.server ?? ''}: unreachable (${r.api.error})` : `API server ${r.api.server}: ${r.api.version}`);
  if (r.nodes.length > 0) {
    out.push('nodes:');
    for (const n of r.nodes) out.push(`  ${n.name.padEnd(20)} ${(n.ready ? 'Ready' : 'NotReady').padEnd(9)} ${n.kubelet.padEnd(10)} ${n.roles.join(',') || '-'}${n.ready ? '' : '  ' + n.condition}`);
  }
  if (r.certificates.length > 0) {
    out.push('certificates (soonest expiry first):');
    for (const c of r.certificates) out.push(`  ${c.file.padEnd(40)} ${Number.isNaN(c.daysLeft) ? 'unreadable' : `${c.daysLeft} days (${c.notAfter.slice(0, 10)})`}${c.daysLeft < 30 ? '  ! renew soon' : ''}`);
  }
  if (r.provider) {
    out.push(`${r.provider} resources:`);
    for (const x of r.resources) out.push(`  ${`${x.kind} ${x.name}`.padEnd(40)} ${x.state}${x.inJournal ? '' : '  (found by tag, not in the journal)'}`);
  }
  return out.join('\n');
}
