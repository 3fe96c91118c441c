/**
 * A TEST PROVIDER (not a product platform): it implements nkd's Provider contract over the
 * system-container machines of {@link NspawnMachines}, so the real-cluster test drives
 * pkg/lifecycle's deploy, extend and destroy unchanged. Each node's whole config goes to its
 * machine through a private channel (the real ignition applies it to the machine's root before
 * the first boot), as libvirt's fw_cfg does. The bridge the machines hang on is the site's
 * network, made by the test, not by this provider: destroy leaves it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Journal } from '../../../pkg/infra/journal.js';
import type { DesiredCluster, DestroyReport, Host, Plan, PlanItem, Provider, ResourceStatus, RunOptions } from '../../../pkg/infra/types.js';
import type { NspawnMachines } from './machines.js';

const KIND = 'machine';

/** The test provider of the real-cluster test. */
export class NspawnTestProvider implements Provider {
  readonly name = 'nspawn-test';

  constructor(private readonly machines: NspawnMachines) {}

  /** Nothing to record: the test hands this provider to destroy itself (it is not in the registry). */
  journalSettings(): Record<string, never> {
    return {};
  }

  async preflight(): Promise<void> {
    const c = this.machines.c;
    if (!existsSync(`${c.nodeRoot}/.nkd-complete`)) throw new Error(`no node root at ${c.nodeRoot}: run bash hack/env/50-cluster.sh`);
    if (!this.machines.bridgeExists()) throw new Error(`the bridge ${c.bridge} does not exist (the test creates it)`);
  }

  async plan(desired: DesiredCluster, journal: Journal): Promise<Plan> {
    const items: PlanItem[] = desired.nodes.map((n) => {
      const e = journal.get(KIND, n.name);
      if (e?.state === 'created' && this.machines.prepared(n.name)) {
        const same = e.attrs.ignitionSha512 === n.ignitionSha512;
        return { kind: KIND, name: n.name, node: n.name, action: 'keep', reason: same ? 'recorded and prepared' : 'recorded and prepared; a changed config applies only to a new machine (Ignition runs at first boot)' };
      }
      return { kind: KIND, name: n.name, node: n.name, action: 'create', reason: e ? `left ${e.state} by an interrupted run` : 'not in the journal' };
    });
    return { provider: this.name, clusterId: desired.clusterId, items, desired, warnings: [] };
  }

  async apply(plan: Plan, journal: Journal, opts: RunOptions): Promise<Host[]> {
    const hosts: Host[] = [];
    for (const n of plan.desired.nodes) {
      opts.signal?.throwIfAborted();
      const ref = { kind: KIND, name: n.name };
      const item = plan.items.find((i) => i.name === n.name);
      if (item?.action === 'create') {
        await journal.begin(ref, { clusterId: plan.clusterId });
        const t0 = performance.now();
        await this.machines.create({ name: n.name, mac: n.mac ?? '', ignition: await readFile(n.ignitionPath, 'utf8') });
        await journal.done(ref, { clusterId: plan.clusterId, ignitionSha512: n.ignitionSha512 }, { adopted: false, owned: true });
        opts.progress.ok(`machine ${n.name}: root prepared, Ignition applied (${Math.round(performance.now() - t0)} ms)`);
      }
      await this.machines.start(n.name);
      opts.progress.ok(`machine ${n.name} running`);
      hosts.push({ name: n.name, role: n.role, ip: n.ip, mac: n.mac, diagnostics: `console ${this.machines.consoleLog(n.name)}; journal: nsenter -t $(machine PID 1) -a journalctl -u nkd-pivot -u nkd-kubeadm -u kubelet` });
    }
    return hosts;
  }

  async destroy(journal: Journal, opts: RunOptions): Promise<DestroyReport> {
    const report: DestroyReport = { deleted: [], kept: [], remaining: [] };
    for (const e of journal.entries().filter((x) => x.kind === KIND)) {
      const ref = { kind: KIND, name: e.name };
      try {
        await journal.deleting(ref);
        await this.machines.remove(e.name);
        await journal.forget(ref);
        report.deleted.push(ref);
        opts.progress.ok(`machine ${e.name} deleted`);
      } catch (err) {
        report.remaining.push({ ...ref, error: (err as Error).message });
      }
    }
    await this.machines.removeGroup();
    return report;
  }

  async status(journal: Journal): Promise<ResourceStatus[]> {
    const out: ResourceStatus[] = [];
    for (const e of journal.entries().filter((x) => x.kind === KIND)) {
      out.push({ kind: KIND, name: e.name, inJournal: true, state: (await this.machines.initPid(e.name)) ? 'running' : this.machines.prepared(e.name) ? 'stopped' : 'missing' });
    }
    return out;
  }

  async close(): Promise<void> {}
}
