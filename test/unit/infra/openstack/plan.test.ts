import type { JournalEntry } from '../../../../pkg/infra/journal.js';
import { clusterTag, osNames } from '../../../../pkg/infra/openstack/names.js';
import { decide, decideAll, wantedResources, type Wanted } from '../../../../pkg/infra/openstack/plan.js';
import { openstackSettings } from '../../../../pkg/infra/openstack/settings.js';
import { loadClusterText } from '../../../../pkg/config/load.js';
import { openStackClusterDoc, toYaml } from '../../../fixtures/cluster.js';

const tag = clusterTag('demo');
const port: Wanted = { kind: 'port', name: 'nkd-demo-master-1', node: 'master-1', what: 'port' };
const entry = (state: JournalEntry['state'], id?: string): JournalEntry => ({ kind: 'port', name: port.name, state, adopted: false, owned: true, attrs: id ? { id } : {}, updatedAt: '' });

const haOnOpenStack = async (extra: Record<string, unknown> = {}) => (await loadClusterText(toYaml(openStackClusterDoc(extra)), { file: 'c.yaml', env: {} })).config;

describe('the OpenStack plan decisions', () => {
  test('nothing of that name: create', () => {
    expect(decide(port, [], undefined, tag)).toEqual({ action: 'create', reason: 'port' });
    expect(decide(port, [], entry('created', 'p1'), tag)).toEqual({ action: 'create', reason: 'port (recorded, but gone: created again)' });
  });

  test('tagged and recorded with the same ID: keep; tagged but not recorded: adopt', () => {
    expect(decide(port, [{ id: 'p1', tagged: true }], entry('created', 'p1'), tag)).toEqual({ action: 'keep', reason: 'port' });
    expect(decide(port, [{ id: 'p1', tagged: true }], undefined, tag)).toEqual({ action: 'adopt', reason: `port (tagged ${tag}, left by an earlier run)` });
  });

  test('untagged but journaled as being created: adopt (an interrupted run made it before tagging it)', () => {
    expect(decide(port, [{ id: 'p1', tagged: false }], entry('creating'), tag)).toEqual({ action: 'adopt', reason: 'port (created by an interrupted run before it was tagged)' });
  });

  test('untagged and unknown to the journal: a problem, never adopted', () => {
    expect(decide(port, [{ id: 'p9', tagged: false }], undefined, tag)).toEqual({ problem: `port nkd-demo-master-1 exists (p9) without the tag ${tag}: it is not this cluster's; remove or rename it, or rename the cluster` });
  });

  test('several of one name: a problem naming them, never a pick', () => {
    expect(decide(port, [{ id: 'a', tagged: true }, { id: 'b', tagged: true }], undefined, tag)).toEqual({ problem: '2 ports are named nkd-demo-master-1 (a, b); nkd does not pick one: delete the extra ones' });
  });

  test('the user\'s network is adopted when it exists and a problem when it does not', () => {
    const net: Wanted = { kind: 'network', name: 'lan', what: 'existing network', external: true };
    expect(decide(net, [{ id: 'n', tagged: false }], undefined, tag)).toEqual({ action: 'adopt', reason: 'existing network (yours: used, never deleted)' });
    expect(decide(net, [], undefined, tag)).toEqual({ problem: 'network lan does not exist' });
  });

  test('3 control planes + 2 workers want a network, subnet, router, interface, 2 groups, a VIP port, a server group, and a port and a server per node', async () => {
    const s = openstackSettings(await haOnOpenStack());
    const w = wantedResources(s, s.nodes, true);
    expect(w.map((x) => `${x.kind} ${x.name}`)).toEqual([
      'network nkd-demo-network', 'subnet nkd-demo-subnet', 'router nkd-demo-router', 'router-interface nkd-demo-router:nkd-demo-subnet',
      'security-group nkd-demo-control-plane', 'security-group nkd-demo-worker', 'port nkd-demo-api-vip', 'server-group nkd-demo-control-plane',
      ...['master-1', 'master-2', 'master-3', 'worker-1', 'worker-2'].flatMap((n) => [`port nkd-demo-${n}`, `server nkd-demo-${n}`]),
    ]);
    expect(w.find((x) => x.name === osNames.vipPort('demo'))!.what).toBe('API endpoint VIP 10.231.0.10 (in the control planes\' allowed address pairs)');
  });

  test('an existing internal network replaces network, subnet and router; an image to upload and floating IPs appear when asked', async () => {
    const s = openstackSettings(await haOnOpenStack({ internalNetwork: 'lan', imageFile: '/img/nestos.qcow2', apiFloatingIP: true }));
    const w = wantedResources(s, s.nodes, false);
    expect(w.slice(0, 2).map((x) => [x.kind, x.name, !!x.external])).toEqual([['image', 'nestos', false], ['network', 'lan', true]]);
    expect(w.some((x) => x.kind === 'router' || x.kind === 'subnet')).toBe(false);
    expect(w.filter((x) => x.kind === 'floating-ip').map((x) => x.name)).toEqual(['nkd-demo-api-vip']);
  });

  test('decideAll gathers every problem and plans the rest', () => {
    const w: Wanted[] = [port, { ...port, name: 'nkd-demo-worker-1', node: 'worker-1' }];
    const r = decideAll(w, (x) => (x.node === 'worker-1' ? [{ id: 'x', tagged: false }] : []), () => undefined, tag);
    expect(r.items).toEqual([{ kind: 'port', name: 'nkd-demo-master-1', node: 'master-1', action: 'create', reason: 'port' }]);
    expect(r.problems).toHaveLength(1);
  });
});
