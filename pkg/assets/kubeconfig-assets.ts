import yaml from 'js-yaml';
import type { CertAndKey } from '../pki/certs.js';
import type { KeyType } from '../pki/keys.js';
import { kubeconfigYaml } from '../pki/kubeconfig.js';
import type { KubeconfigPlan } from '../pki/layout.js';
import type { Asset } from './asset.js';
import { checkedPair } from './pki-pair.js';
import { caAssetName, leafPair } from './pki-assets.js';

/** A rendered kubeconfig and where it goes. */
export interface RenderedKubeconfig {
  plan: KubeconfigPlan;
  yaml: string;
}

interface KubeconfigDoc {
  users?: Array<{ user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }>;
}

/** The client certificate and key embedded in a kubeconfig of the previous render. */
async function priorClient(text: string, path: string): Promise<{ certText: string; keyText: string; pair: CertAndKey } | undefined> {
  let doc: KubeconfigDoc | undefined;
  try {
    doc = yaml.load(text) as KubeconfigDoc | undefined;
  } catch {
    return undefined;
  }
  const u = doc?.users?.[0]?.user;
  if (!u?.['client-certificate-data'] || !u['client-key-data']) return undefined;
  const certText = Buffer.from(u['client-certificate-data'], 'base64').toString('utf8');
  const keyText = Buffer.from(u['client-key-data'], 'base64').toString('utf8');
  return { certText, keyText, pair: await checkedPair(certText, keyText, `${path} (client-certificate-data)`, `${path} (client-key-data)`) };
}

/** One kubeconfig with a client certificate from the cluster CA (reused while its inputs hold). */
export function kubeconfigAsset(plan: KubeconfigPlan, keyType: KeyType, clusterName: string): Asset<RenderedKubeconfig> {
  const caName = caAssetName('kubernetes');
  return {
    name: plan.path,
    dependencies: [caName],
    keys: [plan.path],
    async generate(parents, env) {
      const ca = parents.get<CertAndKey>(caName);
      const text = await env.prior.read(plan.path);
      const prior = text === undefined ? undefined : await priorClient(text, plan.path);
      const render = (p: { certPem: string; keyPem: string }): string =>
        kubeconfigYaml({ clusterName, server: plan.server, caPem: ca.certPem, userName: plan.userName, certPem: p.certPem, keyPem: p.keyPem });
      const { pair, inputs } = await leafPair(plan.path, plan.spec, keyType, ca, env, prior, text === undefined ? {} : { [plan.path]: text });
      const out = render({ certPem: pair.certPem, keyPem: pair.key.privatePem });
      return { value: { plan, yaml: out }, files: [{ path: plan.path, contents: out, secret: true }], inputsHash: inputs };
    },
  };
}
