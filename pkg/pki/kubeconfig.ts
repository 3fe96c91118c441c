import yaml from 'js-yaml';

/** Inputs of one kubeconfig with an embedded client certificate. */
export interface KubeconfigInput {
  clusterName: string;
  /** https://host:port */
  server: string;
  caPem: string;
  userName: string;
  certPem: string;
  keyPem: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A kubeconfig in kubeadm's shape (one cluster, one user, one context), as YAML. */
export function kubeconfigYaml(k: KubeconfigInput): string {
  const context = `${k.userName}@${k.clusterName}`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.clusterName, cluster: { 'certificate-authority-data': b64(k.caPem), server: k.server } }],
    contexts: [{ name: context, context: { cluster: k.clusterName, user: k.userName } }],
    'current-context': context,
    preferences: {},
    users: [{ name: k.userName, user: { 'client-certificate-data': b64(k.certPem), 'client-key-data': b64(k.keyPem) } }],
  };
  return yaml.dump(doc, { lineWidth: -1, noRefs: true });
}

/** "https://host:port", bracketing IPv6 literals. */
export function serverUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
