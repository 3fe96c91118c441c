import { caPlans, kubeconfigPlans, leafPlans, serviceIp } from '../../../pkg/pki/layout.js';
import { haClusterDoc, validClusterConfig } from '../../fixtures/cluster.js';

/** A cluster whose leaf certificates and component kubeconfigs nkd makes. */
const nkdLeaves = (mutate?: (d: Record<string, any>) => void) =>
  validClusterConfig((d) => {
    mutate?.(d);
    d.spec.certificates = { ...d.spec.certificates, leafCertificates: 'nkd' };
  });
const ha = (leaves: 'nkd' | 'kubeadm' = 'nkd') =>
  validClusterConfig((d) => {
    Object.assign(d, haClusterDoc());
    d.spec.certificates = { leafCertificates: leaves };
  });

describe('PKI layout by default (kubeadm makes the leaves on the nodes)', () => {
  test('nkd makes no leaf certificate and no component kubeconfig', async () => {
    const c = await ha('kubeadm');
    expect(caPlans(c).map((p) => p.path)).toEqual(['pki/ca', 'pki/etcd/ca', 'pki/front-proxy-ca']);
    expect(leafPlans(c)).toEqual([]);
    expect(kubeconfigPlans(c).map((k) => k.path)).toEqual(['auth/admin.conf', 'auth/super-admin.conf']);
  });

  test('admin.conf and super-admin.conf stay in the cluster directory: no node carries an admin credential', async () => {
    const c = await ha('kubeadm');
    expect(kubeconfigPlans(c).map((k) => k.nodes)).toEqual([[], []]);
  });

  test('a control-plane node without ip is still a usage error naming spec.nodes[i].ip', async () => {
    // validate refuses it first (semantic.ts); this is the PKI layer's own guard.
    const c = structuredClone(await validClusterConfig((d) => (d.spec.kubernetes.controlPlaneEndpoint = { host: 'api.example.com' })));
    delete c.spec.nodes[0]!.ip;
    expect(() => leafPlans(c)).toThrow('spec.nodes[0].ip: required for control-plane node master-1');
  });
});

describe('PKI layout with leafCertificates: nkd', () => {
  test("each control-plane node's apiserver certificate carries its name and IP, the endpoint, the service IP and the kubernetes names", async () => {
    const c = await ha();
    const api = leafPlans(c).filter((l) => l.path.endsWith('/apiserver'));
    expect(api.map((l) => l.path)).toEqual(['pki/nodes/master-1/apiserver', 'pki/nodes/master-2/apiserver', 'pki/nodes/master-3/apiserver']);
    expect(api[1]!.hostPath).toBe('/etc/kubernetes/pki/apiserver');
    expect(api[1]!.spec.dnsNames).toEqual(['master-2', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
    expect(api[1]!.spec.ips).toEqual(['10.96.0.1', '10.231.0.12', '10.231.0.10']);
  });

  test('a DNS endpoint becomes a DNS SAN and the service IP follows serviceSubnet and dnsDomain', async () => {
    const c = await nkdLeaves((d) => {
      d.spec.kubernetes.controlPlaneEndpoint = { host: 'api.example.com' };
      d.spec.kubernetes.networking = { serviceSubnet: '10.100.0.0/16', dnsDomain: 'corp.internal' };
    });
    expect(serviceIp(c)).toBe('10.100.0.1');
    const api = leafPlans(c).find((l) => l.path.endsWith('/apiserver'))!;
    expect(api.spec.dnsNames).toContain('api.example.com');
    expect(api.spec.dnsNames).toContain('kubernetes.default.svc.corp.internal');
    expect(api.spec.ips).toEqual(['10.100.0.1', '10.231.0.11']);
  });

  test('etcd server and peer certificates name the node and localhost, 127.0.0.1 and ::1', async () => {
    const c = await nkdLeaves();
    const server = leafPlans(c).find((l) => l.path === 'pki/nodes/master-1/etcd/server')!;
    expect(server.ca).toBe('etcd');
    expect(server.spec.dnsNames).toEqual(['master-1', 'localhost']);
    expect(server.spec.ips).toEqual(['10.231.0.11', '127.0.0.1', '::1']);
  });

  test('CAs follow caValidityDays and leaves leafValidityDays (kubeadm: 10 years and 1 year)', async () => {
    const c = await nkdLeaves((d) => (d.spec.certificates = { caValidityDays: 1000, leafValidityDays: 90 }));
    expect(caPlans(c).map((p) => [p.path, p.spec.validityDays])).toEqual([['pki/ca', 1000], ['pki/etcd/ca', 1000], ['pki/front-proxy-ca', 1000]]);
    expect(new Set(leafPlans(c).map((l) => l.spec.validityDays))).toEqual(new Set([90]));
    const d = await nkdLeaves();
    expect(caPlans(d)[0]!.spec.validityDays).toBe(3650);
    expect(leafPlans(d)[0]!.spec.validityDays).toBe(365);
  });

  test('super-admin.conf exists from Kubernetes 1.29 and goes to the first control-plane node only', async () => {
    const c = await ha();
    const sa = kubeconfigPlans(c).find((k) => k.path === 'auth/super-admin.conf')!;
    expect(sa.spec.organizations).toEqual(['system:masters']);
    expect(sa.nodes).toEqual(['master-1']);
    const admin = kubeconfigPlans(c).find((k) => k.path === 'auth/admin.conf')!;
    expect(admin.spec.organizations).toEqual(['kubeadm:cluster-admins']);
    expect(admin.server).toBe('https://10.231.0.10:6443');
  });

  test('controller-manager and scheduler kubeconfigs point at their own node; kubelet.conf is placed only on the init node', async () => {
    const c = await ha();
    const plans = kubeconfigPlans(c);
    const cm2 = plans.find((k) => k.path === 'auth/nodes/master-2/controller-manager.conf')!;
    expect(cm2.server).toBe('https://10.231.0.12:6443');
    expect(cm2.nodes).toEqual(['master-2']);
    expect(plans.find((k) => k.path === 'auth/nodes/master-1/kubelet.conf')!.nodes).toEqual(['master-1']);
    expect(plans.find((k) => k.path === 'auth/nodes/master-2/kubelet.conf')!.nodes).toEqual([]);
    expect(plans.find((k) => k.path === 'auth/nodes/master-2/kubelet.conf')!.spec.commonName).toBe('system:node:master-2');
  });

  test('a control-plane node without ip is a usage error naming spec.nodes[i].ip', async () => {
    // validate refuses it first (semantic.ts); this is the PKI layer's own guard.
    const c = structuredClone(await nkdLeaves((d) => (d.spec.kubernetes.controlPlaneEndpoint = { host: 'api.example.com' })));
    delete c.spec.nodes[0]!.ip;
    expect(() => leafPlans(c)).toThrow('spec.nodes[0].ip: required for control-plane node master-1');
  });
});
