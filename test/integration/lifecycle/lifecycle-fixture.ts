import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { deploy, type DeployOptions, type DeployResult, type LifecycleDeps } from '../../../pkg/lifecycle/deploy.js';
import type { RenderFn } from '../../../pkg/lifecycle/render-port.js';
import { Ui, type Sink } from '../../../pkg/ui/output.js';
import { validClusterConfig } from '../../fixtures/cluster.js';
import { fakeQcow2 } from '../infra/libvirt-fixture.js';

/** A scratch cluster: its folder, a cluster config pointing at local manifests and image. */
export async function scratchCluster(ns: string, mutate?: (doc: Record<string, any>) => void): Promise<{ base: string; dir: string; config: ClusterConfig }> {
  const base = await mkdtemp(join(tmpdir(), 'nkd-lifecycle-'));
  await fakeQcow2(join(base, 'os.qcow2'));
  await writeFile(join(base, 'cni.yaml'), [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cni-config\n  namespace: ${ns}\ndata:\n  cni: fake-cni\n`,
  ].join('---\n'));
  await writeFile(join(base, 'hook.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: post-hook\n  namespace: ${ns}\ndata:\n  hook: applied\n`);
  const config = await validClusterConfig((doc) => {
    doc.spec.libvirt.osImage = join(base, 'os.qcow2');
    doc.spec.kubernetes.cni.manifest = join(base, 'cni.yaml');
    doc.spec.upgradeOperator = { enabled: false };
    // Node objects are cluster-scoped: unique names keep tests on one API server apart.
    const suffix = ns.split('-').pop();
    doc.spec.nodes[0].name = `master-${suffix}`;
    doc.spec.nodes[1].name = `worker-${suffix}`;
    mutate?.(doc);
  });
  return { base, dir: join(base, 'cluster'), config };
}

/**
 * A render stand-in (named fake: pkg/assets/render.ts is another issue's): writes one
 * Ignition-shaped JSON per node naming it, and the real control plane's admin kubeconfig.
 */
export function fakeRender(kubeconfigPath: string, postHooks: string[] = [], calls: Array<{ rotateBootstrapToken?: boolean }> = []): RenderFn {
  return async (config, opts) => {
    calls.push({ rotateBootstrapToken: opts.rotateBootstrapToken });
    await mkdir(join(opts.dir, 'ignition'), { recursive: true });
    await mkdir(join(opts.dir, 'auth'), { recursive: true });
    const nodes = [];
    for (const n of config.spec.nodes) {
      const ign = JSON.stringify({ ignition: { version: config.spec.os.ignitionVersion }, storage: { files: [{ path: '/etc/hostname', contents: { source: `data:,${n.name}` } }] } });
      const p = join(opts.dir, 'ignition', `${n.name}.ign`);
      await writeFile(p, ign, { mode: 0o600 });
      nodes.push({ name: n.name, role: n.role, ip: n.ip, mac: n.mac, ignitionPath: p, ignitionSha512: createHash('sha512').update(ign).digest('hex'), ignitionBytes: ign.length });
    }
    const admin = join(opts.dir, 'auth', 'admin.conf');
    await copyFile(kubeconfigPath, admin);
    if (opts.rotateBootstrapToken) {
      const id = randomBytes(3).toString('hex');
      await writeFile(join(opts.dir, 'auth', 'bootstrap-token'), `${id}.${randomBytes(8).toString('hex')}\n`, { mode: 0o600 });
    }
    return { dir: opts.dir, nodes, adminKubeconfigPath: admin, postHookManifests: postHooks, written: [], unchanged: [] };
  };
}

/** Registers Node objects with a Ready condition: the test plays the kubelets. */
export async function registerReadyNodes(kubeconfigPath: string, names: string[], ready = true): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(CoreV1Api);
  for (const name of names) {
    try {
      await api.createNode({ body: { metadata: { name, labels: { 'node-role.kubernetes.io/worker': '' } } } });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
    const now = new Date();
    await api.replaceNodeStatus({
      name,
      body: {
        metadata: { name },
        status: {
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready', lastHeartbeatTime: now, lastTransitionTime: now }],
          nodeInfo: { kubeletVersion: 'v1.34.1', architecture: 'amd64', bootID: '', containerRuntimeVersion: 'containerd://2.0', kernelVersion: '6.1', kubeProxyVersion: '', machineID: '', operatingSystem: 'linux', osImage: 'NestOS', systemUUID: '' },
        },
      },
    });
  }
}

/** Deletes Node objects (cluster-scoped: tests sharing the API server clean up their own). */
export async function deleteNodes(kubeconfigPath: string, names: string[]): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(CoreV1Api);
  for (const name of names) await api.deleteNode({ name }).catch(() => undefined);
}

/** A Ui whose output is captured. */
export function capturedUi(json = false): Ui & { text: () => string; out: () => string } {
  let err = '';
  let out = '';
  const sink: Sink = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const ui = new Ui('debug', json, sink) as Ui & { text: () => string; out: () => string };
  ui.text = () => err;
  ui.out = () => out;
  return ui;
}

/** One call's worth of deploy options and injected dependencies (the observer as a callback). */
export type DeployCall = DeployOptions & Omit<LifecycleDeps, 'observer'> & { afterPhase?: (name: string) => void | Promise<void> };

/** deploy() with its options and its dependencies given together (test brevity). */
export function deployWith(call: DeployCall): Promise<DeployResult> {
  const { render, provider, operatorManifests, afterPhase, ...opts } = call;
  return deploy(opts, { render, provider, operatorManifests, ...(afterPhase ? { observer: { phaseDone: afterPhase } } : {}) });
}
