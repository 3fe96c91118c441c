/**
 * What the real-cluster test prints when a step fails, so a failed CI run explains itself: the
 * upgrade resources' status, the nodes, the operator's and agents' logs, and on every machine the
 * stand-in OS state and the journal of the units that boot it. Every part is best effort: a part
 * that cannot be read says why and the rest is still printed.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { ClientNodeApi } from '../../../pkg/upgrade/kube/upgrade-api.js';
import type { NspawnMachines } from './machines.js';

const tail = (text: string, lines: number): string => text.split('\n').slice(-lines).join('\n');

async function part(title: string, read: () => Promise<unknown>): Promise<string> {
  try {
    const v = await read();
    return `--- ${title}\n${typeof v === 'string' ? v : JSON.stringify(v, null, 1)}`;
  } catch (e) {
    return `--- ${title}: could not be read: ${(e as Error).message}`;
  }
}

/** The cluster's and machines' state, as text. */
export async function diagnose(kubeconfig: string, machines: NspawnMachines, nodes: string[]): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const api = new ClientNodeApi(kc, 'nkd-e2e-diagnose');
  const out: string[] = [];
  out.push(await part('Upgrades', async () => (await api.listUpgrades()).map((u) => ({ name: u.metadata.name, spec: u.spec, status: u.status }))));
  out.push(await part('NodeUpgrades', async () => (await api.listNodeUpgrades()).map((n) => ({ name: n.metadata.name, spec: n.spec, status: n.status }))));
  out.push(await part('nodes', async () => (await core.listNode()).items.map((n) => ({
    name: n.metadata?.name, unschedulable: n.spec?.unschedulable, kubelet: n.status?.nodeInfo?.kubeletVersion,
    annotations: Object.fromEntries(Object.entries(n.metadata?.annotations ?? {}).filter(([k]) => k.includes('nkd'))),
    conditions: n.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason ?? ''}`),
  }))));
  const pods = await core.listNamespacedPod({ namespace: 'nkd-system' }).then((l) => l.items, () => []);
  for (const p of pods) {
    const name = p.metadata!.name!;
    out.push(await part(`pod ${name} on ${p.spec?.nodeName} (${p.status?.phase}, restarts ${p.status?.containerStatuses?.map((c) => c.restartCount).join('/')})`,
      async () => tail(await core.readNamespacedPodLog({ name, namespace: 'nkd-system', tailLines: 120 }), 120)));
    if (p.status?.containerStatuses?.some((c) => (c.restartCount ?? 0) > 0)) {
      out.push(await part(`pod ${name}: the previous container`, async () => tail(await core.readNamespacedPodLog({ name, namespace: 'nkd-system', tailLines: 80, previous: true }), 80)));
    }
  }
  for (const node of nodes) {
    const run = async (argv: string[]) => {
      const r = await machines.execTry(node, argv, { timeoutMs: 20_000 });
      return `(exit ${r.code})\n${tail(r.out, 80)}`;
    };
    out.push(await part(`${node}: stand-in OS state`, () => run(['cat', '/var/lib/nkd-standin/state.json'])));
    out.push(await part(`${node}: boots`, () => run(['journalctl', '--list-boots', '--no-pager'])));
    out.push(await part(`${node}: stand-in finalize, every boot`, () => run(['journalctl', '-u', 'nkd-standin-finalize', '--no-pager', '-o', 'short-monotonic'])));
    out.push(await part(`${node}: kubelet, this boot`, () => run(['journalctl', '-b', '-u', 'kubelet', '--no-pager', '-n', '40'])));
    out.push(await part(`${node}: console`, async () => tail(await readFile(machines.consoleLog(node), 'utf8'), 60)));
  }
  return out.join('\n');
}

/** Runs a test step; when it fails, prints {@link diagnose} before the error is reported. */
export async function withDiagnostics<T>(print: (text: string) => void, kubeconfig: string, machines: NspawnMachines, nodes: string[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    print(`diagnostics after the failure (${(e as Error).message.slice(0, 300)}):\n${await diagnose(kubeconfig, machines, nodes)}\n`);
    throw e;
  }
}
