import { loadClusterConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import { plural } from '../ui/output.js';
import type { ClusterFileFlags, CommandContext } from './context.js';

/** `nkd validate`: loads the file (throwing every error at once) and prints a summary. */
export async function validateCommand(c: CommandContext, o: ClusterFileFlags): Promise<void> {
  const { ui } = c;
  const file = o.file;
  const { config, warnings } = await loadClusterConfig({ file, flags: o, env: c.env });
  const s = config.spec;
  const cps = s.nodes.filter((n) => n.role === 'control-plane').length;
  const summary = {
    valid: true,
    file,
    name: config.metadata.name,
    platform: s.platform,
    controlPlanes: cps,
    workers: s.nodes.length - cps,
    kubernetesVersion: s.kubernetes.version,
    warnings: warnings.map((w) => formatProblem(file, w)),
  };
  if (ui.json) {
    ui.result(summary);
    return;
  }
  for (const w of warnings) ui.warn(formatProblem(file, w));
  const wn = warnings.length ? ` (${plural(warnings.length, 'warning')})` : '';
  ui.print(`${file}: valid: cluster ${summary.name} on ${summary.platform}, ${plural(cps, 'control-plane node')} + ${plural(summary.workers, 'worker node')}, Kubernetes ${summary.kubernetesVersion}${wn}`);
}
