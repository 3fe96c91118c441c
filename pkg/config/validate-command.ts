import { loadClusterConfig } from './load.js';
import { formatProblem } from './problems.js';
import { plural, type Ui } from '../ui/output.js';

/** `nkd validate`: loads the file (throwing every error at once) and prints a summary. */
export async function validateCommand(ui: Ui, file: string, flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<void> {
  const { config, warnings } = await loadClusterConfig({ file, flags, env });
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
