/**
 * A cluster file for benchmarks: `cps` control-plane nodes and `workers` workers in a /16,
 * a kube-vip VIP, the given key type ('default': none, the version's default) and, if given,
 * who makes the leaf certificates.
 */
export function benchCluster(cps: number, workers: number, keyType = 'rsa-2048', leafCertificates?: 'kubeadm' | 'nkd'): string {
  const cert = [...(keyType === 'default' ? [] : [`keyType: ${keyType}`]), ...(leafCertificates ? [`leafCertificates: ${leafCertificates}`] : [])];
  const nodes = [
    ...Array.from({ length: cps }, (_, i) => `    - { name: master-${i + 1}, role: control-plane, ip: 10.231.0.${11 + i} }`),
    ...Array.from({ length: workers }, (_, i) => `    - { name: worker-${i + 1}, role: worker, ip: 10.231.${1 + Math.floor(i / 250)}.${1 + (i % 250)} }`),
  ];
  return [
    'apiVersion: nkd.nestos.openeuler.org/v1alpha1',
    'kind: Cluster',
    'metadata: { name: bench }',
    'spec:',
    '  platform: libvirt',
    '  network: { cidr: 10.231.0.0/16 }',
    '  libvirt: { osImage: /x.qcow2 }',
    '  nodes:',
    ...nodes,
    '  kubernetes:',
    '    version: "1.34.1"',
    '    controlPlaneEndpoint: { host: 10.231.0.10, vip: { enabled: true } }',
    '    networking: { podSubnet: 10.128.0.0/12 }',
    `  os: { releaseImage: "r.example.com/n@sha256:${'1'.repeat(64)}" }`,
    ...(cert.length ? [`  certificates: { ${cert.join(', ')} }`] : []),
    '  access: { sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bench"] }',
    '',
  ].join('\n');
}
