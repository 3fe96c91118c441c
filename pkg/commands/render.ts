import { relative } from 'node:path';
import { renderCluster } from '../assets/render.js';
import { formatSizeReport, sizeReport } from '../ignition/size.js';
import { platformOf } from '../infra/registry.js';
import { checkWritableDir, clusterDir } from '../lifecycle/cluster-dir.js';
import { writeGitignore } from '../lifecycle/gitignore.js';
import { ExitCode, NkdError } from '../ui/errors.js';
import { plural } from '../ui/output.js';
import { loadClusterFile, type ClusterFileFlags, type CommandContext } from './context.js';

/** The flags of `nkd render`, as parsed. */
export type RenderFlags = ClusterFileFlags & { rotateBootstrapToken?: boolean };

/** `nkd render`: load and validate the cluster file, render the directory, print a summary. */
export async function renderCommand(c: CommandContext, o: RenderFlags): Promise<void> {
  const ui = c.ui;
  const { config, baseDir } = await loadClusterFile(c, o.file, o);
  const dir = clusterDir('render', c.dir, config.metadata.name);
  ui.log.useClusterDir(dir);
  await checkWritableDir(dir, c.dir ?? config.metadata.name);
  const t0 = performance.now();
  const r = await ui.progress(`rendering cluster ${config.metadata.name}`, () => renderCluster(config, { dir, ui, baseDir, rotateBootstrapToken: o.rotateBootstrapToken, signal: c.signal }), `keys, certificates and ${plural(config.spec.nodes.length, 'Ignition config')}`);
  const ms = Math.round(performance.now() - t0);
  const ignored = await writeGitignore(r.dir);
  if (c.signal.aborted) {
    // The interrupt came after the commit point: the render is whole, but the user asked to stop.
    throw new NkdError(`render interrupted while writing, after its commit point: the new render is complete in ${relative(process.cwd(), r.dir) || '.'}`, {
      code: ExitCode.Interrupted,
      hint: 're-run nkd render to see its summary (it will change nothing)',
    });
  }
  const boot = platformOf(config).boot;
  const sizes = sizeReport(boot.kind === 'two-stage' ? boot.firstStageLimit : undefined, r.nodes.map((n) => ({ name: n.name, bytes: n.ignitionBytes })));
  if (ui.json) {
    ui.result({ ...r, sizes, durationMs: ms });
    return;
  }
  const shown = relative(process.cwd(), r.dir) || '.';
  const keys = r.keysGenerated ? `, ${r.keysGenerated} new ${r.keyType} ${r.keysGenerated === 1 ? 'key' : 'keys'}` : '';
  ui.ok(`rendered cluster ${config.metadata.name} into ${shown} in ${ms} ms: ${plural(r.written.length, 'file')} written, ${r.unchanged.length} unchanged${keys}`);
  ui.print(['Ignition configs:', ...formatSizeReport(sizes).map((l, i) => `  ${l}  ${r.nodes[i]!.role}${r.nodes[i]!.ip ? ` ${r.nodes[i]!.ip}` : ''}`)].join('\n'));
  if (boot.kind === 'two-stage') {
    ui.info(`${config.spec.platform}: each ignition/<node>.ign is a first stage without secrets (it goes to ${boot.via}); the node fetches its ignition/<node>.secret-bundle from nkd's boot service, once`);
  }
  const big = sizes.filter((s) => s.tooBig).map((s) => s.name);
  if (big.length > 0) {
    ui.warn(`the first stage of ${big.join(', ')} exceeds the limit of ${boot.via}: the platform will refuse it; shorten spec.hooks.preScripts or move large files into a container image`);
  }
  ui.print(`Admin kubeconfig: ${relative(process.cwd(), r.adminKubeconfigPath)} (0600)`);
  ui.warn(`${shown}/ holds private keys, tokens and kubeconfigs (${boot.kind === 'private' ? 'the control-plane Ignition configs carry the CA keys' : 'the secret bundles carry the keys and the kubeadm files'}): ${ignored ? `its .gitignore keeps them out of git` : `your own ${shown}/.gitignore was left alone: make sure it ignores every 0600 file of manifest.json`}; commit only cluster.yaml, manifest.json, .nkd/state.json and the certificates`);
  ui.print(`Next: nkd deploy -f ${o.file}${c.dir ? ` --dir ${c.dir}` : ''}   (nothing outside ${shown}/ was touched)`);
}
