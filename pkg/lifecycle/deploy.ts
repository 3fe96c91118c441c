import { chmod, readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { operatorImageOf } from '../config/resolve.js';
import type { ClusterConfig } from '../config/types.gen.js';
import { Journal } from '../infra/journal.js';
import { providerForConfig } from '../infra/registry.js';
import type { BootService, Host, Plan, Provider } from '../infra/types.js';
import { NkdError, usageError } from '../ui/errors.js';
import { formatDuration, type Ui } from '../ui/output.js';
import { desiredCluster } from './desired.js';
import { runPhases, type Phase } from './phases.js';
import { dryRunPlan } from './dry-run.js';
import { DEFAULT_TIMEOUTS } from './timeouts.js';
import { formatPlan } from './plan-output.js';
import { renderWithAssets, type RenderFn, type RenderResult } from './render-port.js';
import { ClusterDir } from '../cluster-dir.js';

export { DEFAULT_TIMEOUTS } from './timeouts.js';

/** What deploy and extend are asked to do. */
export interface DeployOptions {
  config: ClusterConfig;
  /** The cluster directory. */
  dir: string;
  /** The folder relative paths of the cluster file resolve against. */
  baseDir: string;
  ui: Ui;
  signal?: AbortSignal;
  /** Print the plan and stop, writing nothing (an offline plan when the platform is down). */
  dryRun?: boolean;
  /** extend: rotate the bootstrap token and require an existing deployment. */
  mode?: 'deploy' | 'extend';
  timeouts?: { apiMs?: number; nodesMs?: number };
}

/** Sees each phase end (the tests play kubelets or interrupt the run here). */
export interface PhaseObserver {
  phaseDone(name: string): void | Promise<void>;
}

/**
 * What the lifecycle is built from; the composition root (cmd/nkd) takes the defaults, tests
 * inject a provider of theirs, a render stand-in or an observer.
 */
export interface LifecycleDeps {
  /** Render step (default pkg/assets renderCluster). */
  render?: RenderFn;
  /** Provider (default: the registry's for spec.platform); an injected one is not closed. */
  provider?: Provider;
  /** The operator's manifests (default pkg/upgrade/install/manifests.ts operatorManifests). */
  operatorManifests?: (opts: { namespace?: string; image: string; kubernetesVersion?: string }) => object[];
  observer?: PhaseObserver;
}

/** What deploy returns (and prints with --json). */
export interface DeployResult {
  plan: Plan;
  dryRun: boolean;
  hosts: Host[];
  kubeconfig?: string;
  applied: string[];
  apiVersion?: string;
  phases: Array<{ name: string; ms: number }>;
}

/**
 * `nkd deploy` / `nkd extend`: render → plan → provision → wait for the API → apply the CNI →
 * wait for Ready nodes → post-hook manifests → install the operator → admin kubeconfig and next
 * steps. Every phase is named, timed and idempotent; an interrupted run resumes on re-run.
 */
export async function deploy(opts: DeployOptions, deps: LifecycleDeps = {}): Promise<DeployResult> {
  const { config, dir, ui } = opts;
  const mode = opts.mode ?? 'deploy';
  const render = deps.render ?? renderWithAssets;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const provider = deps.provider ?? (await providerForConfig(config, opts.baseDir));
  const jfile = new ClusterDir(dir).journal;
  if (mode === 'extend' && !(await Journal.read(jfile))) {
    throw usageError(`nkd extend: no deployed cluster in ${dir} (no ${jfile})`, 'run `nkd deploy` first, or point --dir at the cluster directory');
  }
  const journal = await Journal.open(jfile, { clusterId: config.metadata.name, provider: provider.name, providerConfig: provider.journalSettings() });
  if (opts.dryRun) {
    try {
      const plan = await dryRunPlan({ config, dir, ui, provider, journal });
      return { plan, dryRun: true, hosts: [], applied: [], phases: [] };
    } finally {
      if (!deps.provider) await provider.close();
    }
  }
  const result: DeployResult = { plan: { provider: provider.name, clusterId: config.metadata.name, items: [], desired: { clusterId: config.metadata.name, nodes: [] }, warnings: [] }, dryRun: !!opts.dryRun, hosts: [], applied: [], phases: [] };
  let rendered: RenderResult | undefined;
  const afterPhase = async (name: string, ms: number): Promise<void> => {
    result.phases.push({ name, ms: Math.round(ms) });
    await deps.observer?.phaseDone(name);
  };
  let boot: BootService | undefined;
  const stopBoot = async (): Promise<void> => {
    const b = boot;
    boot = undefined;
    await b?.stop();
  };

  try {
    const prepare: Phase[] = [
      {
        name: 'preflight',
        run: async () => {
          await provider.preflight('deploy', journal);
        },
      },
      {
        name: 'render',
        run: async () => {
          rendered = await render(config, { dir, ui, rotateBootstrapToken: mode === 'extend', baseDir: opts.baseDir });
          ui.debug(`render: ${rendered.written.length} written, ${rendered.unchanged.length} unchanged`);
        },
      },
      {
        name: 'plan',
        run: async () => {
          result.plan = await provider.plan(desiredCluster(config, must(rendered)), journal);
          if (!ui.json) ui.print(formatPlan(result.plan));
          for (const w of result.plan.warnings) ui.warn(w);
        },
      },
    ];
    await runPhases(prepare, { ui, signal: opts.signal, afterPhase });
    await journal.resetPhases();
    const serving: Phase[] = provider.serve
      ? [{
          // Two-stage platforms: nodes fetch their secret bundles while they boot; the service runs until they are Ready.
          name: 'start the boot service',
          run: async () => {
            boot = await provider.serve!(result.plan, { progress: ui, signal: opts.signal });
            if (boot) ui.ok(`boot service on ${boot.url}: each node's secret bundle, to that node, once`);
            else ui.info('no boot service: no host boots from nkd (each is reached over SSH)');
          },
        }]
      : [];
    const stopping: Phase[] = provider.serve
      ? [{
          name: 'stop the boot service',
          run: async () => {
            const served = boot?.served() ?? [];
            await stopBoot();
            ui.info(`boot service stopped (${served.length} secret bundle${served.length === 1 ? '' : 's'} served this run)`);
          },
        }]
      : [];
    const apply: Phase[] = [
      ...(mode === 'extend' ? [joinTokenPhase(opts, () => must(rendered))] : []),
      ...serving,
      {
        name: 'provision',
        run: async () => {
          result.hosts = await provider.apply(result.plan, journal, { progress: ui, signal: opts.signal });
        },
      },
      ...(await clusterPhases({ ...opts, ...deps }, () => must(rendered), result, timeouts, stopping)),
    ];
    await runPhases(apply, { ui, signal: opts.signal, journal, afterPhase });
  } finally {
    await stopBoot();
    if (!deps.provider) await provider.close();
  }
  const kubeconfig = must(rendered).adminKubeconfigPath;
  result.kubeconfig = kubeconfig;
  const total = result.phases.reduce((a, p) => a + p.ms, 0);
  ui.ok(`cluster ${config.metadata.name} ${mode === 'extend' ? 'extended' : 'deployed'}: ${result.hosts.length} nodes Ready (${formatDuration(total)})`);
  if (!ui.json) {
    ui.print(['next steps:', `  export KUBECONFIG=${kubeconfig}`, '  kubectl get nodes -o wide', `  nkd status --dir ${dir}`, `  nkd extend -f <cluster.yaml with more nodes> --dir ${dir}`, `  nkd destroy --dir ${dir}`].join('\n'));
  }
  return result;
}

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new NkdError('internal: phase order broken (render did not run)');
  return v;
}

/**
 * extend: the render rotated the bootstrap token (the one kubeadm init registered may have
 * expired); the new nodes can only join once the running cluster knows the new one.
 */
function joinTokenPhase(opts: DeployOptions, rendered: () => RenderResult): Phase {
  return {
    name: 'register the join token',
    run: async () => {
      const kube = await import('../kube/index.js');
      const { bootstrapTokenSecret } = await import('../pki/token.js');
      const file = new ClusterDir(opts.dir).bootstrapToken;
      const token = (await readFile(file, 'utf8').catch(() => {
        throw new NkdError(`extend: no bootstrap token at ${file}`, { hint: 'run `nkd render` on the cluster directory, then extend again' });
      })).trim();
      const secret = bootstrapTokenSecret(token, opts.config.spec.kubernetes.bootstrapTokenTTL, new Date(), 'nkd extend: join token');
      const client = await kube.loadKubeconfig(rendered().adminKubeconfigPath);
      await kube.applyObjects(client, [secret as unknown as Parameters<typeof kube.applyObjects>[1][number]], { signal: opts.signal, source: 'the join token' });
      opts.ui.ok(`join token ${secret.metadata.name} registered, valid for ${opts.config.spec.kubernetes.bootstrapTokenTTL}`);
    },
  };
}

/**
 * The phases after provisioning: they talk to the cluster through the admin kubeconfig.
 * `afterNodesReady` run right after the node wait (the boot service stops there).
 */
async function clusterPhases(opts: DeployOptions & LifecycleDeps, rendered: () => RenderResult, result: DeployResult, timeouts: { apiMs: number; nodesMs: number }, afterNodesReady: Phase[]): Promise<Phase[]> {
  const { config, ui, signal } = opts;
  const kube = await import('../kube/index.js');
  const hostLook = (node: string): string | undefined => {
    const h = result.hosts.find((x) => x.name === (node || config.spec.nodes.find((n) => n.role === 'control-plane')?.name));
    return h?.diagnostics;
  };
  const kc = async () => kube.loadKubeconfig(rendered().adminKubeconfigPath);
  const abs = (p: string): string => (/^https?:\/\//.test(p) || isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const names = config.spec.nodes.map((n) => n.name);
  const applyManifests = async (client: Awaited<ReturnType<typeof kc>>, refs: string[]): Promise<void> => {
    for (const ref of refs) {
      const objects = await kube.readManifest(abs(ref), signal);
      result.applied.push(...(await kube.applyObjects(client, objects, { signal, source: ref })));
      ui.ok(`applied ${objects.length} objects from ${ref} (server-side)`);
    }
  };
  return [
    {
      name: 'wait for the API server',
      bound: `${config.spec.kubernetes.controlPlaneEndpoint.host}:${config.spec.kubernetes.controlPlaneEndpoint.port}, up to ${formatDuration(timeouts.apiMs)}`,
      run: async () => {
        result.apiVersion = await kube.waitForApi(await kc(), { timeoutMs: timeouts.apiMs, signal, whereToLook: hostLook });
        ui.debug(`API server ${result.apiVersion}`);
      },
    },
    {
      // Before the node wait: a node turns Ready only once a CNI plugin configured its network.
      name: 'apply the CNI',
      run: async () => {
        const ref = config.spec.kubernetes.cni.manifest;
        if (!ref || ref === 'none') {
          ui.warn('spec.kubernetes.cni.manifest is not set: no CNI installed, nodes stay NotReady until you apply one');
          return;
        }
        await applyManifests(await kc(), [ref]);
      },
    },
    {
      name: 'wait for Ready nodes',
      bound: `${names.length} nodes, up to ${formatDuration(timeouts.nodesMs)}`,
      run: async () => {
        await kube.waitForNodesReady(await kc(), names, {
          timeoutMs: timeouts.nodesMs, signal, whereToLook: hostLook,
          onProgress: (ready, total) => ui.info(`${ready}/${total} nodes Ready`),
        });
      },
    },
    ...afterNodesReady,
    {
      name: 'apply post-hook manifests',
      run: async () => {
        const refs = rendered().postHookManifests;
        if (refs.length > 0) await applyManifests(await kc(), refs);
      },
    },
    {
      name: 'install the upgrade operator',
      run: async () => {
        const op = config.spec.upgradeOperator;
        if (!op.enabled) {
          ui.info('upgrade operator disabled (spec.upgradeOperator.enabled: false)');
          return;
        }
        const make = opts.operatorManifests ?? (await loadOperatorManifests());
        const objects = make({ namespace: op.namespace, image: operatorImageOf(config), kubernetesVersion: config.spec.kubernetes.version }) as Parameters<typeof kube.applyObjects>[1];
        const client = await kc();
        const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
        if (crds.length > 0) {
          await kube.installCrds(client, crds, { timeoutMs: 60_000, signal });
          result.applied.push(...crds.map((c) => `CustomResourceDefinition ${c.metadata.name}`));
        }
        const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
        result.applied.push(...(await kube.applyObjects(client, rest, { signal, source: 'the upgrade operator' })));
        ui.ok(`upgrade operator ${operatorImageOf(config)} in namespace ${op.namespace}`);
      },
    },
    {
      name: 'admin kubeconfig',
      run: async () => {
        const path = rendered().adminKubeconfigPath;
        await chmod(path, 0o600);
        ui.ok(`admin kubeconfig ${path} (mode 0600)`);
      },
    },
  ];
}

async function loadOperatorManifests(): Promise<(opts: { namespace?: string; image: string }) => object[]> {
  const { operatorManifests } = await import('../upgrade/install/manifests.js');
  return operatorManifests;
}
