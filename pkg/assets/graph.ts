import yaml from 'js-yaml';
import type { ClusterConfig } from '../config/types.gen.js';
import { CLUSTER_PATHS } from '../cluster-dir.js';
import { dhcpPlanFrom, renderDnsmasqConfig, renderIscDhcpdConfig } from '../infra/baremetal/dhcp.js';
import { defaultKeyType } from '../pki/keys.js';
import { caPlans, controlPlaneNodes, kubeconfigPlans, leafPlans } from '../pki/layout.js';
import type { Asset } from './asset.js';
import type { RenderInputs } from './inputs.js';
import { kubeconfigAsset } from './kubeconfig-assets.js';
import { ignitionAsset, kubeadmAsset } from './node-assets.js';
import { bootstrapTokenAsset, caAsset, leafAsset, serviceAccountAsset } from './pki-assets.js';
import { knownHostsAsset, makesHostKey, sshHostKeyAsset } from './ssh-assets.js';
import { platformOf } from '../infra/registry.js';

/** The resolved cluster file the directory was rendered from. */
function clusterFileAsset(c: ClusterConfig): Asset<string> {
  const o = c.spec.openstack;
  const text = yaml.dump(c, { lineWidth: -1, noRefs: true });
  return {
    name: 'cluster.yaml',
    dependencies: [],
    generate: () => Promise.resolve({ value: text, files: [{ path: 'cluster.yaml', contents: text, secret: Boolean(o?.password || o?.applicationCredential) }] }),
  };
}

/** Local post-hook manifests, copied so the directory is self-contained. */
function postManifestsAsset(inputs: RenderInputs): Asset<string[]> {
  return {
    name: 'manifests/post',
    dependencies: [],
    generate: () =>
      Promise.resolve({
        value: inputs.postManifests.map((m) => m.ref),
        files: inputs.postManifests.flatMap((m) => (m.contents === undefined ? [] : [{ path: m.ref, contents: m.contents, secret: false }])),
      }),
  };
}

/** Bare metal: the site DHCP server's configuration for PXE/iPXE-booting the hosts (docs/adr/0304). */
function dhcpConfigAsset(c: ClusterConfig): Asset<string> {
  const plan = dhcpPlanFrom(c); // refused before any key is made
  return {
    name: CLUSTER_PATHS.boot,
    dependencies: [],
    generate() {
      return Promise.resolve({
        value: CLUSTER_PATHS.dnsmasq,
        files: [
          { path: CLUSTER_PATHS.dnsmasq, contents: renderDnsmasqConfig(plan), secret: false },
          { path: CLUSTER_PATHS.iscDhcpd, contents: renderIscDhcpdConfig(plan), secret: false },
        ],
      });
    },
  };
}

/**
 * The render target: every asset of `nkd render`, in one table. PKI (CAs, service-account key,
 * leaves, kubeconfigs) → bootstrap token → kubeadm file per node → Ignition per node.
 * Throws a usage error for config render cannot serve (e.g. a control-plane node without ip).
 */
export function renderAssets(c: ClusterConfig, inputs: RenderInputs): Asset[] {
  const keyType = c.spec.certificates.keyType ?? defaultKeyType(c.spec.kubernetes.version);
  const cas = caPlans(c);
  const leaves = leafPlans(c);
  const kubeconfigs = kubeconfigPlans(c);
  const cps = new Set(controlPlaneNodes(c).map((n) => n.name));
  const assets: Asset[] = [
    clusterFileAsset(c),
    postManifestsAsset(inputs),
    ...cas.map((p) => caAsset(p, keyType, inputs.userCAs[p.id])),
    serviceAccountAsset(keyType),
    ...leaves.map((p) => leafAsset(p, keyType)),
    ...kubeconfigs.map((p) => kubeconfigAsset(p, keyType, c.metadata.name)),
    bootstrapTokenAsset(),
    ...(c.spec.platform === 'baremetal' ? [dhcpConfigAsset(c)] : []),
  ];
  for (const node of c.spec.nodes) {
    assets.push(kubeadmAsset(c, node));
    const pki = cps.has(node.name)
      ? {
          cas,
          leaves: leaves.filter((l) => l.node === undefined || l.node === node.name),
          kubeconfigs: kubeconfigs.filter((k) => k.nodes.includes(node.name)),
        }
      : undefined;
    assets.push(ignitionAsset(c, node, pki, inputs));
  }
  if (platformOf(c).sshHostKeys) assets.push(...c.spec.nodes.filter((n) => makesHostKey(c, n)).map((n) => sshHostKeyAsset(c, n)), knownHostsAsset(c));
  return assets;
}
