import { CLUSTER_PATHS, nodeIgnitionPath, nodeKubeadmPath, nodeSecretBundlePath } from '../cluster-dir.js';
import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { platformOf } from '../infra/registry.js';
import { splitSecrets } from '../ignition/two-stage.js';
import { HOST } from '../host/paths.js';
import { sha512Hex } from '../ignition/pointer.js';
import { serializeIgnition } from '../ignition/serialize.js';
import { kubeadmAction, kubeadmDocuments, kubeadmYaml, type KubeadmAction } from '../kubeadm/node-config.js';
import { buildNodeIgnition } from '../node/assemble.js';
import type { HostFile } from '../host/file.js';
import { caCertHash, type CertAndKey } from '../pki/certs.js';
import type { KeyPair } from '../pki/keys.js';
import type { CaPlan, KubeconfigPlan, LeafPlan } from '../pki/layout.js';
import type { Asset } from './asset.js';
import type { RenderedKubeconfig } from './kubeconfig-assets.js';
import { caAssetName, SA_ASSET, TOKEN_ASSET } from './pki-assets.js';
import type { RenderInputs } from './inputs.js';
import { makesHostKey, sshHostKeyAssetName } from './ssh-assets.js';
import type { SshHostKey } from '../pki/ssh-host-key.js';

/** A node's kubeadm file. */
export interface RenderedKubeadm {
  yaml: string;
  action: KubeadmAction;
}

/** A node's Ignition config as written: the first config its platform hands over. */
export interface RenderedIgnition {
  path: string;
  bytes: number;
  sha512: string;
  /** Two-stage platforms: the node's secret bundle (relative path, SHA-512 of its bytes). */
  secretBundle?: { path: string; sha512: string };
}

/** Asset name of a node's kubeadm file. */
const kubeadmAssetName = (node: string): string => `${CLUSTER_PATHS.kubeadm}/${node}`;
/** Asset name of a node's Ignition config. */
export const ignitionAssetName = (node: string): string => `${CLUSTER_PATHS.ignition}/${node}`;

/** The node's kubeadm configuration file (needs the token and the CA's discovery hash). */
export function kubeadmAsset(c: ClusterConfig, node: ClusterNode): Asset<RenderedKubeadm> {
  const ca = caAssetName('kubernetes');
  return {
    name: kubeadmAssetName(node.name),
    dependencies: [TOKEN_ASSET, ca],
    generate(parents) {
      const token = parents.get<string>(TOKEN_ASSET);
      const hash = caCertHash(parents.get<CertAndKey>(ca).cert);
      const text = kubeadmYaml(kubeadmDocuments(c, node, { token, caCertHash: hash }));
      return Promise.resolve({
        value: { yaml: text, action: kubeadmAction(c, node) },
        files: [{ path: nodeKubeadmPath(node.name), contents: text, secret: true }],
      });
    },
  };
}

/** The PKI a control-plane host carries, as the assets that make it. */
export interface NodePki {
  cas: CaPlan[];
  leaves: LeafPlan[];
  kubeconfigs: KubeconfigPlan[];
}

/**
 * The node's Ignition config: buildNodeIgnition (pkg/node) with its kubeadm file and PKI. On a
 * platform that hands over a first stage where others may read it, the secrets (private keys,
 * kubeconfigs, the kubeadm file, the password hash) go to a separate bundle the first stage
 * merges from the platform's second-stage source.
 */
export function ignitionAsset(c: ClusterConfig, node: ClusterNode, pki: NodePki | undefined, inputs: RenderInputs): Asset<RenderedIgnition> {
  const kubeadm = kubeadmAssetName(node.name);
  const deps = pki
    ? [kubeadm, ...pki.cas.map((p) => caAssetName(p.id)), SA_ASSET, ...pki.leaves.map((l) => l.path), ...pki.kubeconfigs.map((k) => k.path)]
    : [kubeadm];
  const path = nodeIgnitionPath(node.name);
  const platform = platformOf(c);
  const boot = platform.boot;
  const hostKey = makesHostKey(c, node) ? sshHostKeyAssetName(node.name) : undefined;
  return {
    name: ignitionAssetName(node.name),
    dependencies: hostKey ? [...deps, hostKey] : deps,
    generate(parents) {
      const k = parents.get<RenderedKubeadm>(kubeadm);
      const files: HostFile[] = [];
      const secrets = new Set<string>([HOST.kubeadmConfig]);
      if (pki) {
        const pair = (hostPath: string, p: CertAndKey): void => {
          files.push({ path: `${hostPath}.crt`, contents: p.certPem, mode: 0o644 }, { path: `${hostPath}.key`, contents: p.key.privatePem, mode: 0o600 });
          secrets.add(`${hostPath}.key`);
        };
        for (const ca of pki.cas) pair(ca.hostPath, parents.get<CertAndKey>(caAssetName(ca.id)));
        const sa = parents.get<KeyPair>(SA_ASSET);
        files.push({ path: '/etc/kubernetes/pki/sa.key', contents: sa.privatePem, mode: 0o600 }, { path: '/etc/kubernetes/pki/sa.pub', contents: sa.publicPem, mode: 0o644 });
        secrets.add('/etc/kubernetes/pki/sa.key');
        for (const leaf of pki.leaves) pair(leaf.hostPath, parents.get<CertAndKey>(leaf.path));
        for (const kc of pki.kubeconfigs) {
          files.push({ path: kc.hostPath, contents: parents.get<RenderedKubeconfig>(kc.path).yaml, mode: 0o600 });
          secrets.add(kc.hostPath);
        }
      }
      if (hostKey) {
        // the key nkd pins when it connects (sshd uses every host key it finds in /etc/ssh)
        const k = parents.get<SshHostKey>(hostKey);
        files.push({ path: HOST.sshHostKey, contents: k.privateKey, mode: 0o600 }, { path: `${HOST.sshHostKey}.pub`, contents: `${k.publicLine}\n`, mode: 0o644 });
        secrets.add(HOST.sshHostKey);
      }
      const cfg = buildNodeIgnition(c, node, {
        kubeadmYaml: k.yaml,
        kubeadmAction: k.action,
        files,
        baseDir: inputs.baseDir,
        preScriptContents: inputs.preScriptContents,
      });
      if (boot.kind === 'private') {
        const text = serializeIgnition(cfg);
        return Promise.resolve({
          value: { path, bytes: Buffer.byteLength(text), sha512: sha512Hex(text) },
          files: [{ path, contents: text, secret: true }],
        });
      }
      const staged = splitSecrets(cfg, secrets, boot.secondStageSource(c, node));
      const first = serializeIgnition(staged.firstStage);
      const bundle = nodeSecretBundlePath(node.name);
      return Promise.resolve({
        value: { path, bytes: Buffer.byteLength(first), sha512: sha512Hex(first), secretBundle: { path: bundle, sha512: staged.bundleSha512 } },
        files: [
          { path, contents: first, secret: false },
          { path: bundle, contents: staged.bundleText, secret: true },
        ],
      });
    },
  };
}
