import yaml from 'js-yaml';
import { kubeadmApiVersion } from '../../../pkg/kubeadm/api-version.js';
import { criSocket } from '../../../pkg/kubeadm/cri.js';
import { kubeadmAction, kubeadmDocuments, kubeadmYaml } from '../../../pkg/kubeadm/node-config.js';
import { haClusterDoc, validClusterConfig } from '../../fixtures/cluster.js';

const inputs = { token: 'abcdef.0123456789abcdef', caCertHash: 'sha256:' + 'ab'.repeat(32) };
const ha = () => validClusterConfig((d) => Object.assign(d, haClusterDoc()));

describe('kubeadm configuration', () => {
  test.each([
    ['1.29.0', 'kubeadm.k8s.io/v1beta3'],
    ['1.30.14', 'kubeadm.k8s.io/v1beta3'],
    ['1.31.0', 'kubeadm.k8s.io/v1beta4'],
    ['1.37.1', 'kubeadm.k8s.io/v1beta4'],
  ])('Kubernetes %s gets %s', (v, api) => {
    expect(kubeadmApiVersion(v)).toBe(api);
  });

  test('the first control-plane node inits, the other control-plane nodes join as control plane, workers join', async () => {
    const c = await ha();
    expect(c.spec.nodes.map((n) => kubeadmAction(c, n))).toEqual(['init', 'join-control-plane', 'join-control-plane', 'join', 'join']);
  });

  test('the init node gets Init, Cluster, Kubelet and KubeProxy configuration', async () => {
    const c = await ha();
    const docs = kubeadmDocuments(c, c.spec.nodes[0]!, inputs);
    expect(docs.map((d) => d.kind)).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration', 'KubeProxyConfiguration']);
    const [init, cluster] = docs as any[];
    expect(init.bootstrapTokens[0]).toMatchObject({ token: inputs.token, ttl: '24h', groups: ['system:bootstrappers:kubeadm:default-node-token'] });
    expect(init.localAPIEndpoint).toEqual({ advertiseAddress: '10.231.0.11', bindPort: 6443 });
    expect(cluster).toMatchObject({
      clusterName: 'demo',
      kubernetesVersion: 'v1.34.1',
      controlPlaneEndpoint: '10.231.0.10:6443',
      encryptionAlgorithm: 'ECDSA-P256',
      certificateValidityPeriod: '8760h0m0s',
      networking: { serviceSubnet: '10.96.0.0/12', podSubnet: '10.244.0.0/16', dnsDomain: 'cluster.local' },
    });
  });

  test.each([
    [undefined, 365, 'ECDSA-P256', '8760h0m0s'],
    ['rsa-2048', 90, 'RSA-2048', '2160h0m0s'],
    ['ecdsa-p256', 30, 'ECDSA-P256', '720h0m0s'],
  ])('v1beta4 tells kubeadm the key type (%s → its encryptionAlgorithm) and the leaf validity (%s days) of the keys it makes', async (keyType, days, algorithm, period) => {
    const c = await validClusterConfig((d) => (d.spec.certificates = { ...(keyType ? { keyType } : {}), leafValidityDays: days }));
    const [, cluster] = kubeadmDocuments(c, c.spec.nodes[0]!, inputs) as any[];
    expect([cluster.encryptionAlgorithm, cluster.certificateValidityPeriod]).toEqual([algorithm, period]);
  });

  test('v1beta3 (Kubernetes below 1.31) has no encryptionAlgorithm: kubeadm makes RSA-2048 keys there', async () => {
    const c = await validClusterConfig((d) => (d.spec.kubernetes.version = '1.30.4'));
    const [, cluster] = kubeadmDocuments(c, c.spec.nodes[0]!, inputs) as any[];
    expect(cluster.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect('encryptionAlgorithm' in cluster || 'certificateValidityPeriod' in cluster).toBe(false);
  });

  test('joining nodes discover the cluster by bootstrap token pinned to the CA hash; control-plane joins carry their endpoint', async () => {
    const c = await ha();
    const [cp] = kubeadmDocuments(c, c.spec.nodes[1]!, inputs) as any[];
    expect(cp.kind).toBe('JoinConfiguration');
    expect(cp.discovery.bootstrapToken).toEqual({ apiServerEndpoint: '10.231.0.10:6443', token: inputs.token, caCertHashes: [inputs.caCertHash] });
    expect(cp.controlPlane).toEqual({ localAPIEndpoint: { advertiseAddress: '10.231.0.12', bindPort: 6443 } });
    const [w] = kubeadmDocuments(c, c.spec.nodes[3]!, inputs) as any[];
    expect(w.controlPlane).toBeUndefined();
    expect(w.nodeRegistration.taints).toEqual([]);
  });

  test('v1beta4 lists kubelet flags, v1beta3 maps them; labels become node-labels', async () => {
    const mutate = (v: string) => (d: any) => {
      d.spec.kubernetes.version = v;
      d.spec.nodes[1].labels = { 'nkd.io/pool': 'b', 'nkd.io/a': 'x' };
      d.spec.nodes[1].kubeletExtraArgs = { 'max-pods': '50' };
    };
    const c4 = await validClusterConfig(mutate('1.34.1'));
    const [j4] = kubeadmDocuments(c4, c4.spec.nodes[1]!, inputs) as any[];
    expect(j4.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: 'max-pods', value: '50' },
      { name: 'node-ip', value: '10.231.0.21' },
      { name: 'node-labels', value: 'nkd.io/a=x,nkd.io/pool=b' },
    ]);
    const c3 = await validClusterConfig(mutate('1.30.2'));
    const [j3] = kubeadmDocuments(c3, c3.spec.nodes[1]!, inputs) as any[];
    expect(j3.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(j3.nodeRegistration.kubeletExtraArgs).toEqual({ 'max-pods': '50', 'node-ip': '10.231.0.21', 'node-labels': 'nkd.io/a=x,nkd.io/pool=b' });
  });

  test('control-plane nodes keep the control-plane taint next to their own taints', async () => {
    const c = await validClusterConfig((d) => (d.spec.nodes[0].taints = [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }]));
    const [init] = kubeadmDocuments(c, c.spec.nodes[0]!, inputs) as any[];
    expect(init.nodeRegistration.taints).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
    ]);
  });

  test.each([
    ['containerd', 'unix:///run/containerd/containerd.sock'],
    ['crio', 'unix:///var/run/crio/crio.sock'],
    ['isulad', 'unix:///var/run/isulad.sock'],
    ['docker', 'unix:///var/run/cri-dockerd.sock'],
  ] as const)('runtime %s uses CRI socket %s', async (rt, sock) => {
    expect(criSocket(rt)).toBe(sock);
    const c = await validClusterConfig((d) => (d.spec.containerRuntime = { type: rt }));
    expect((kubeadmDocuments(c, c.spec.nodes[1]!, inputs)[0] as any).nodeRegistration.criSocket).toBe(sock);
  });

  test('the file is typed data serialized as YAML: it parses back to the same documents, values that look like other types stay strings', async () => {
    const c = await validClusterConfig((d) => (d.spec.nodes[1].labels = { version: '1.30', enabled: 'true' }));
    for (const n of c.spec.nodes) {
      const docs = kubeadmDocuments(c, n, inputs);
      expect(yaml.loadAll(kubeadmYaml(docs))).toEqual(JSON.parse(JSON.stringify(docs)));
    }
  });
});
