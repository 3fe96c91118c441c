/**
 * Cluster scenarios and stand-in NodeExtras for the node and Ignition tests (the real
 * kubeadm files and PKI come from pkg/kubeadm and pkg/pki; these tests need only their shape).
 */
import type { ClusterConfig, ClusterNode } from '../../../pkg/config/types.gen.js';
import type { NodeExtras } from '../../../pkg/node/types.js';
import { haClusterDoc, validClusterConfig } from '../../fixtures/cluster.js';

/** A small stand-in kubeadm config for the node. */
export function kubeadmYamlFor(node: ClusterNode): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ${node.role === 'worker' ? 'JoinConfiguration' : 'InitConfiguration'}\nnodeRegistration:\n  name: ${node.name}\n`;
}

/** Stand-in NodeExtras: the first control-plane node inits, other control-plane nodes join with PKI, workers join. */
export function extrasFor(config: ClusterConfig, node: ClusterNode): NodeExtras {
  const firstCp = config.spec.nodes.find((n) => n.role === 'control-plane');
  const kubeadmAction = node.role === 'worker' ? 'join' : node === firstCp ? 'init' : 'join-control-plane';
  const files =
    node.role === 'worker'
      ? []
      : [
          { path: '/etc/kubernetes/pki/ca.crt', contents: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', mode: 0o644 },
          { path: '/etc/kubernetes/pki/ca.key', contents: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', mode: 0o600 },
          { path: '/etc/kubernetes/pki/etcd/ca.key', contents: '-----BEGIN PRIVATE KEY-----\nMIIF\n-----END PRIVATE KEY-----\n', mode: 0o600 },
          { path: '/etc/kubernetes/admin.conf', contents: `apiVersion: v1\nkind: Config\nclusters: []\n# ${node.name}\n`, mode: 0o600 },
        ];
  return { kubeadmYaml: kubeadmYamlFor(node), kubeadmAction, files };
}

/** Nasty pre-hook content: quotes, newlines, unicode, `%`, `$`, backslashes, a NUL-free binary-ish tail. */
export const NASTY_SCRIPT = `#!/bin/sh\necho "it's \\"quoted\\"" '$HOME' \`date\` 100% %s %% \${x:-y}\nprintf 'ünïcødé ✓ 日本語 \\t\\n'\n# ]]> }} {{x}} </script> \r\n`;

/** A named scenario: a cluster file mutation (applied to the plain document). */
export interface Scenario {
  /** Short name. */
  name: string;
  /** Mutates the plain cluster document. */
  mutate: (doc: Record<string, any>) => void;
}

const useHa = (doc: Record<string, any>): void => {
  const ha = haClusterDoc();
  doc.spec.nodes = ha.spec.nodes;
  doc.spec.kubernetes.controlPlaneEndpoint = ha.spec.kubernetes.controlPlaneEndpoint;
};

/** The scenarios every check runs over: one node, HA with each VIP, each runtime, each spec version, pre-hooks. */
export const SCENARIOS: Scenario[] = [
  { name: 'one node', mutate: (d) => void (d.spec.nodes = [d.spec.nodes[0]]) },
  { name: '3 control-plane + 2 workers, kube-vip', mutate: useHa },
  {
    name: '3 control-plane + 2 workers, keepalived',
    mutate: (d) => {
      useHa(d);
      d.spec.kubernetes.controlPlaneEndpoint.vip.provider = 'keepalived';
    },
  },
  ...(['containerd', 'crio', 'isulad', 'docker'] as const).map((type) => ({
    name: `runtime ${type} with mirrors`,
    mutate: (d: Record<string, any>) => {
      d.spec.containerRuntime = {
        type,
        registryMirrors: [
          { registry: 'docker.io', endpoints: ['https://mirror.example.com', 'http://10.231.0.5:5000/dockerhub'] },
          { registry: 'quay.io', endpoints: ['https://quay-mirror.example.com'] },
        ],
        insecureRegistries: ['registry.internal:5000'],
      };
    },
  })),
  ...(['3.3.0', '3.4.0'] as const).map((v) => ({ name: `ignition ${v}`, mutate: (d: Record<string, any>) => void (d.spec.os.ignitionVersion = v) })),
  {
    name: 'pre-hooks and a password',
    mutate: (d) => {
      d.spec.hooks = { preScripts: [{ name: 'nasty.sh', content: NASTY_SCRIPT }, { name: 'workers-only', content: 'echo worker\n', roles: ['worker'] }] };
      d.spec.access.passwordHash = '$6$salt$' + 'a'.repeat(86);
    },
  },
];

/** A scenario's loaded config. */
export async function scenarioConfig(s: Scenario): Promise<ClusterConfig> {
  return validClusterConfig(s.mutate);
}
