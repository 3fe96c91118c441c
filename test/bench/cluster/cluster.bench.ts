/**
 * The real cluster, measured (the machines of test/e2e/cluster: system containers booted from
 * nkd's rendered configs; docs/testing.md "A real cluster"). One run: deploy 1 control plane +
 * 2 workers, roll Kubernetes 1.37.2 (a STAND-IN patch release) and a new OS image through the
 * real operator with maxUnavailable 1, destroy. Figures:
 *   deploy-to-ready              deploy's start to every node Ready (render included)
 *   deploy-phase-<name>          each deploy phase
 *   upgrade-total                the Upgrade's creation to every node at the target
 *   upgrade-node-cycle-<node>    a node's admission to Succeeded
 *   upgrade-host-part-median     of it, the agent's host work (rebase, kubeadm, reboot, back Ready)
 *   upgrade-drain-median         of it, the drain
 *   upgrade-handoff-overhead-median  the rest: what the operator adds around the host work
 *   destroy                      destroy of the 3 machines
 *   cold-build-<step>            what each cold build step of the scenario's environment took
 *                                when it last ran on this machine (hack/kube/build.sh and
 *                                hack/cluster/build.sh record it), and their sum
 * Run: npm run bench -- cluster   (root; after bash hack/env/50-cluster.sh)
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterConfig } from '../../../pkg/config/load.js';
import { deploy } from '../../../pkg/lifecycle/deploy.js';
import { destroy } from '../../../pkg/lifecycle/destroy.js';
import { Ui } from '../../../pkg/ui/output.js';
import { ClientNodeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import { sh } from '../../e2e/cluster/host.js';
import { clients } from '../../e2e/cluster/kube-checks.js';
import { NspawnTestProvider } from '../../e2e/cluster/provider.js';
import { clusterFile, startSite, testNodes, VERSIONS } from '../../e2e/cluster/site.js';
import type { Report } from '../run.js';
import { median } from '../stats.js';

const t = (iso: string | undefined): number => new Date(iso ?? 0).getTime();

function coldBuilds(report: Report): void {
  const file = join(process.env.NKD_CACHE_DIR || join(homedir(), '.cache', 'nkd'), 'build-times.tsv');
  if (!existsSync(file)) return;
  const last = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [step, s] = line.split('\t');
    if (step && s) last.set(step, Number(s));
  }
  for (const [step, s] of last) report(`cold-build-${step.replace(/\s+/g, '-')}`, s, 's');
  report('cold-build-total', [...last.values()].reduce((a, b) => a + b, 0), 's');
}

export async function run(report: Report): Promise<void> {
  coldBuilds(report);
  const work = await mkdtemp(join(tmpdir(), 'nkd-bench-cluster-'));
  const site = await startSite(work);
  const ui = new Ui('warn', false, { out: () => undefined, err: (s) => void process.stderr.write(s) });
  const dir = join(work, 'cluster');
  const provider = new NspawnTestProvider(site.machines);
  try {
    const file = join(work, 'cluster.yaml');
    await writeFile(file, clusterFile(site, testNodes(2)));
    const { config } = await loadClusterConfig({ file, env: {} });
    const t0 = performance.now();
    const result = await deploy({ config, dir, baseDir: work, ui }, { provider });
    report('deploy-to-ready', (performance.now() - t0) / 1000, 's');
    for (const p of result.phases) report(`deploy-phase-${p.name.replace(/\s+/g, '-')}`, p.ms / 1000, 's');

    const { kc } = clients(result.kubeconfig!);
    const api = new ClientNodeApi(kc, 'nkd-bench');
    const u0 = performance.now();
    await sh(['node', 'dist/cmd/nkd/main.js', 'upgrade', '--dir', dir, '--name', 'bench', '--kubernetes-version', VERSIONS.upgradeTo, '--os-image', site.osImages[VERSIONS.upgradeTo]!, '--max-unavailable', '1'], { timeoutMs: 60 * 60_000 });
    report('upgrade-total', (performance.now() - u0) / 1000, 's');
    const records = await api.listNodeUpgrades();
    const host: number[] = [];
    const drain: number[] = [];
    const overhead: number[] = [];
    for (const r of records) {
      const s = r.status ?? {};
      const cycle = t(s.finishedAt) - t(s.admittedAt);
      const h = t(s.verifyStartedAt ?? s.finishedAt) - t(s.hostStartedAt);
      const d = s.drainStartedAt ? t(s.hostStartedAt) - t(s.drainStartedAt) : 0;
      report(`upgrade-node-cycle-${r.spec.nodeName}`, cycle / 1000, 's');
      host.push(h / 1000);
      drain.push(d / 1000);
      overhead.push((cycle - h - d) / 1000);
    }
    report('upgrade-host-part-median', median(host), 's');
    report('upgrade-drain-median', median(drain), 's');
    report('upgrade-handoff-overhead-median', median(overhead), 's');

    const d0 = performance.now();
    await destroy({ dir, ui }, { provider });
    report('destroy', (performance.now() - d0) / 1000, 's');
  } finally {
    for (const name of ['cp-1', 'worker-1', 'worker-2']) await site.machines.remove(name).catch(() => undefined);
    await site.machines.removeGroup();
    await site.stop();
    await rm(work, { recursive: true, force: true });
  }
}
