import { securityGroupPlans, type GroupPlan, type IngressRule } from '../../../pkg/infra/openstack/security-groups.js';
import { loadClusterText } from '../../../pkg/config/load.js';
import { haClusterDoc, problemsOf, toYaml, validClusterDoc } from '../../fixtures/cluster.js';

const onOpenStack = (doc: Record<string, any>, extra: Record<string, unknown> = {}) => {
  delete doc.spec.libvirt;
  doc.spec.platform = 'openstack';
  doc.spec.openstack = { cloud: 'lab', image: 'nestos', bootServer: { address: '10.231.9.1' }, ...extra };
  return doc;
};
const plans = async (doc: Record<string, any>): Promise<GroupPlan[]> => securityGroupPlans((await loadClusterText(toYaml(doc), { file: 'c.yaml', env: {} })).config);
const open = (g: GroupPlan, port: number): IngressRule[] => g.rules.filter((r) => r.ports && r.ports[0] <= port && port <= r.ports[1]);

describe('the OpenStack security groups', () => {
  test('two groups with deterministic names; nothing but the API port is open to a CIDR by default', async () => {
    const [cp, w] = await plans(onOpenStack(validClusterDoc()));
    expect([cp!.name, w!.name]).toEqual(['nkd-demo-control-plane', 'nkd-demo-worker']);
    expect(cp!.rules.filter((r) => 'cidr' in r.from)).toEqual([{ protocol: 'tcp', ports: [6443, 6443], from: { cidr: '0.0.0.0/0' }, why: 'Kubernetes API (spec.openstack.apiAllowedCIDRs)' }]);
    expect(w!.rules.filter((r) => 'cidr' in r.from)).toEqual([]);
  });

  test('etcd and the control-plane components are open to the control-plane group only; the kubelet and VXLAN to both groups', async () => {
    const [cp, w] = await plans(onOpenStack(validClusterDoc()));
    for (const port of [2379, 2380, 10257, 10259]) expect(open(cp!, port).map((r) => r.from)).toEqual([{ group: 'control-plane' }]);
    for (const port of [2379, 22]) expect(open(w!, port)).toEqual([]);
    for (const g of [cp!, w!]) {
      expect(open(g, 10250).map((r) => r.from)).toEqual([{ group: 'control-plane' }, { group: 'worker' }]);
      expect(g.rules.filter((r) => r.protocol === 'udp' && r.ports?.[0] === 8472).map((r) => r.from)).toEqual([{ group: 'control-plane' }, { group: 'worker' }]);
    }
  });

  test('the API port and SSH follow the configured CIDRs; VRRP only for a keepalived VIP', async () => {
    const doc = onOpenStack(haClusterDoc(), { apiAllowedCIDRs: ['198.51.100.0/24'], sshAllowedCIDRs: ['203.0.113.8/29'] });
    doc.spec.kubernetes.controlPlaneEndpoint.vip.provider = 'keepalived';
    const [cp, w] = await plans(doc);
    expect(open(cp!, 6443).map((r) => r.from)).toEqual([{ cidr: '198.51.100.0/24' }, { group: 'control-plane' }, { group: 'worker' }]);
    for (const g of [cp!, w!]) expect(open(g, 22).map((r) => r.from)).toEqual([{ cidr: '203.0.113.8/29' }]);
    expect(cp!.rules.filter((r) => r.protocol === '112').map((r) => r.from)).toEqual([{ group: 'control-plane' }]);
    expect((await plans(onOpenStack(haClusterDoc())))[0]!.rules.some((r) => r.protocol === '112')).toBe(false);
  });

  test('a CIDR that is not an IPv4 network is refused naming the field', async () => {
    expect(await problemsOf((d) => onOpenStack(d, { sshAllowedCIDRs: ['10.0.0.0/33'] }))).toEqual(expect.arrayContaining([
      expect.stringContaining('spec.openstack.sshAllowedCIDRs[0]: invalid value "10.0.0.0/33": must be an IPv4 network like 198.51.100.0/24'),
    ]));
  });
});
