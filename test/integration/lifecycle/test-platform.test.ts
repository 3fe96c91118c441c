/**
 * A platform added from test code deploys through the whole lifecycle: registered with the
 * registry, its schema section and per-node field validate, its check runs, render writes a
 * first stage and a secret bundle for it, deploy starts its boot service before provisioning
 * and stops it once the nodes are Ready, and destroy finds its provider from the journal alone.
 * Real: the render, the ignition, the boot service, the kube-apiserver. The test plays the
 * kubelets (Node objects), as the other lifecycle tests do.
 */
import { jest } from '@jest/globals';
import { connect } from 'node:net';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderWithAssets, type RenderFn } from '../../../pkg/lifecycle/render-port.js';
import { deploy } from '../../../pkg/lifecycle/deploy.js';
import { destroy } from '../../../pkg/lifecycle/destroy.js';
import { registerPlatform, unregisterPlatform } from '../../../pkg/infra/registry.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { freePort } from '../../harness/ports.js';
import { requireTools } from '../ignition/tools.js';
import { capturedUi, deleteNodes, registerReadyNodes, scratchCluster } from './lifecycle-fixture.js';
import { booted, pxeTestPlatform, seenNodes } from './test-platform.js';
import { ClusterDir } from '../../../pkg/cluster-dir.js';

jest.setTimeout(180_000);

let kubeconfig: string;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  requireTools();
  registerPlatform(pxeTestPlatform);
  kubeconfig = await sharedKubeconfig();
}, 300_000);

afterAll(async () => {
  for (const c of cleanup.splice(0)) await c();
  unregisterPlatform('pxetest');
});

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('a platform registered from test code', () => {
  test('refuses a bad value through its own check, like any platform', async () => {
    const err = await scratchCluster(uniqueNamespace('pxe'), (d) => {
      delete d.spec.libvirt;
      d.spec.platform = 'pxetest';
      d.spec.pxetest = { port: 80 };
    }).catch((e: unknown) => e as NkdError);
    expect(err).toBeInstanceOf(NkdError);
    expect((err as NkdError).details?.join('\n')).toContain('spec.pxetest.port: invalid value 80: a privileged port');
  });

  test('deploys through the lifecycle: first stages and bundles rendered, the boot service kept around the waits, destroy from the journal', async () => {
    const ns = uniqueNamespace('pxe');
    const port = await freePort();
    const s = await scratchCluster(ns, (d) => {
      delete d.spec.libvirt;
      d.spec.platform = 'pxetest';
      d.spec.pxetest = { port };
      d.spec.nodes.forEach((n: any) => (n.pxetest = { rack: 'r7' }));
    });
    const names = s.config.spec.nodes.map((n) => n.name);
    cleanup.push(async () => {
      await deleteNodes(kubeconfig, names);
      await rm(s.base, { recursive: true, force: true });
    });
    // The real render; only its admin kubeconfig is replaced by the test API server's (the
    // render's own CA signs for a control plane this test does not run).
    const render: RenderFn = async (config, opts) => {
      const r = await renderWithAssets(config, opts);
      await copyFile(kubeconfig, r.adminKubeconfigPath);
      return r;
    };
    const servingDuring: Record<string, boolean> = {};
    const ui = capturedUi();
    const result = await deploy({ config: s.config, dir: s.dir, baseDir: s.base, ui, timeouts: { apiMs: 30_000, nodesMs: 30_000 } }, {
      render,
      observer: {
        phaseDone: async (p) => {
          servingDuring[p] = await listening(port);
          if (p === 'provision') await registerReadyNodes(kubeconfig, names);
        },
      },
    });
    expect(result.phases.map((p) => p.name)).toEqual([
      'preflight', 'render', 'plan', 'start the boot service', 'provision', 'wait for the API server', 'apply the CNI', 'wait for Ready nodes', 'stop the boot service',
      'apply post-hook manifests', 'install the upgrade operator', 'admin kubeconfig',
    ]);
    expect(servingDuring).toMatchObject({ 'start the boot service': true, provision: true, 'wait for Ready nodes': true, 'stop the boot service': false, 'admin kubeconfig': false });

    // The provider saw the platform's per-node field and no machine size (the platform has none).
    expect(seenNodes.map((n) => [n.name, n.rack, 'cpus' in n])).toEqual(names.map((n) => [n, 'r7', false]));
    // Each machine got its secrets only through the bundle, which the first stage does not hold.
    for (const n of names) {
      const first = await readFile(join(s.dir, 'ignition', `${n}.ign`), 'utf8');
      expect(first).not.toMatch(/PRIVATE KEY|kubeadm\.yaml"/);
      expect(existsSync(join(booted.get(n)!.root, 'etc/nkd/kubeadm.yaml'))).toBe(true);
    }
    expect(existsSync(join(booted.get(names[0]!)!.root, 'etc/kubernetes/pki/ca.key'))).toBe(true);
    expect(ui.text()).toMatch(/boot service: node .* took its secret bundle/);

    const journal = JSON.parse(await readFile(new ClusterDir(s.dir).journal, 'utf8'));
    expect({ provider: journal.provider, settings: journal.providerConfig }).toEqual({ provider: 'pxetest', settings: { port } });

    // extend: only the new machine's bundle is offered; a pod on a running node replaying that
    // node's first stage finds nothing.
    const extra = `worker-x${names[0]!.split('-').pop()}`;
    const bigger = structuredClone(s.config);
    const { ip: _ip, ...worker } = structuredClone(s.config.spec.nodes[1]!);
    bigger.spec.nodes.push({ ...worker, name: extra });
    cleanup.push(() => deleteNodes(kubeconfig, [extra]));
    const replay: Record<string, number> = {};
    await deploy({ config: bigger, dir: s.dir, baseDir: s.base, ui: capturedUi(), mode: 'extend', timeouts: { apiMs: 30_000, nodesMs: 30_000 } }, {
      render,
      observer: {
        phaseDone: async (p) => {
          if (p === 'start the boot service') replay[names[0]!] = (await fetch(`http://127.0.0.1:${port}/nkd/v1/secrets/${names[0]}`)).status;
          if (p === 'provision') await registerReadyNodes(kubeconfig, [extra]);
        },
      },
    });
    expect(replay).toEqual({ [names[0]!]: 404 });
    expect(existsSync(join(booted.get(extra)!.root, 'etc/nkd/kubeadm.yaml'))).toBe(true);

    const report = await destroy({ dir: s.dir, ui: capturedUi() });
    expect(report.deleted.map((d) => d.name).sort()).toEqual([...names, extra].sort());
    expect(report.remaining).toEqual([]);
  });
});
