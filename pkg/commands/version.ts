import { supportedKubernetesMinors } from '../config/versions.js';
import { NKD_VERSION } from '../version.js';
import type { CommandContext } from './context.js';

/** `nkd version`: nkd's version, Node's, and the Kubernetes minors nkd supports. */
export async function versionCommand(c: CommandContext): Promise<void> {
  const info = { nkd: NKD_VERSION, node: process.version, kubernetes: supportedKubernetesMinors() };
  if (c.ui.json) c.ui.result(info);
  else c.ui.print(`nkd ${info.nkd} (node ${info.node}); Kubernetes ${info.kubernetes.join(', ')}`);
}
