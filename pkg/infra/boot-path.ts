/** Where nkd's boot service serves a node's secret bundle: `/nkd/v1/secrets/<node>`. */
export const secretBundlePath = (node: string): string => `/nkd/v1/secrets/${encodeURIComponent(node)}`;

/** The URL of a node's secret bundle on a boot service at `host:port`. */
export function secretBundleUrl(host: string, port: number, node: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}${secretBundlePath(node)}`;
}
