/**
 * A TEST PLATFORM (not a product platform), registered from test code to prove that a platform
 * is its own module plus one registration: its schema section and per-node field, a check, a
 * two-stage boot delivery, journal settings and a provider. Its "machines" are scratch roots:
 * booting one runs the real ignition on the node's first stage, which fetches the secret
 * bundle from nkd's real boot service over loopback. The test then plays the kubelets.
 */
import { readFile } from 'node:fs/promises';
import type { Problems } from '../../../pkg/config/problems.js';
import { startSecretBundleServer } from '../../../pkg/infra/boot-service.js';
import { secretBundleUrl } from '../../../pkg/infra/boot-path.js';
import type { Journal } from '../../../pkg/infra/journal.js';
import type { JsonObject, Platform } from '../../../pkg/infra/platform.js';
import type { BootService, DesiredCluster, DestroyReport, Host, Plan, Provider, ResourceStatus, RunOptions } from '../../../pkg/infra/types.js';
import { applyIgnition, type Applied } from '../ignition/tools.js';

/** The settings of the test platform: the boot service's port. */
export interface PxeTestSettings {
  port: number;
}

/** What the test platform adds per node (nodes[].pxetest). */
export interface PxeTestNode {
  rack?: string;
}

/** What the test platform's machines went through, for the test's assertions. */
export const booted = new Map<string, Applied>();
export const seenNodes: Array<Record<string, unknown>> = [];

class PxeTestProvider implements Provider<PxeTestNode> {
  readonly name = 'pxetest';
  constructor(private readonly s: PxeTestSettings) {}

  journalSettings(): JsonObject {
    return { port: this.s.port };
  }

  async preflight(): Promise<void> {}

  plan(desired: DesiredCluster<PxeTestNode>, journal: Journal): Promise<Plan<PxeTestNode>> {
    const items = desired.nodes.map((n) => ({
      kind: 'machine', name: n.name, node: n.name,
      action: journal.get('machine', n.name)?.state === 'created' ? ('keep' as const) : ('create' as const),
      reason: `rack ${n.rack ?? '?'}`,
    }));
    return Promise.resolve({ provider: this.name, clusterId: desired.clusterId, items, desired, warnings: [] });
  }

  serve(plan: Plan<PxeTestNode>, opts: RunOptions): Promise<BootService> {
    // Only the machines this plan creates: the others took their bundles when they booted.
    const creating = new Set(plan.items.filter((i) => i.action === 'create').map((i) => i.node));
    return startSecretBundleServer({
      host: '127.0.0.1', port: this.s.port, progress: opts.progress,
      bundles: plan.desired.nodes.filter((n) => creating.has(n.name)).map((n) => ({ node: n.name, file: n.secretBundle!.path, sha512: n.secretBundle!.sha512 })),
    });
  }

  async apply(plan: Plan<PxeTestNode>, journal: Journal, opts: RunOptions): Promise<Host[]> {
    const hosts: Host[] = [];
    for (const n of plan.desired.nodes) {
      seenNodes.push({ ...n });
      const ref = { kind: 'machine', name: n.name };
      if (journal.get(ref.kind, ref.name)?.state !== 'created') {
        await journal.begin(ref, { node: n.name });
        const a = await applyIgnition(await readFile(n.ignitionPath, 'utf8'), { groups: ['wheel'] });
        booted.set(n.name, a);
        if (a.code !== 0) throw new Error(`machine ${n.name}: ignition failed: ${a.log.slice(-1500)}`);
        await journal.done(ref, { node: n.name, root: a.root });
        opts.progress.ok(`machine ${n.name} booted`);
      }
      hosts.push({ name: n.name, role: n.role, ...(n.ip ? { ip: n.ip } : {}), diagnostics: `scratch root ${booted.get(n.name)?.root ?? '?'}` });
    }
    return hosts;
  }

  async destroy(journal: Journal): Promise<DestroyReport> {
    const deleted = [];
    for (const e of journal.entries()) {
      await booted.get(e.name)?.cleanup();
      booted.delete(e.name);
      await journal.forget({ kind: e.kind, name: e.name });
      deleted.push({ kind: e.kind, name: e.name });
    }
    return { deleted, kept: [], remaining: [] };
  }

  status(journal: Journal): Promise<ResourceStatus[]> {
    return Promise.resolve(journal.entries().map((e) => ({ kind: e.kind, name: e.name, state: booted.has(e.name) ? 'booted' : 'gone', inJournal: true })));
  }

  async close(): Promise<void> {}
}

/** The test platform module, registered by the test with registerPlatform. */
export const pxeTestPlatform: Platform<PxeTestSettings> = {
  name: 'pxetest',
  description: 'a test platform (scratch roots booted by the real ignition)',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['port'],
    description: 'The test platform (registered by test code only).',
    properties: { port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Port of the boot service on 127.0.0.1.' } },
  },
  nodeSchema: {
    type: 'object',
    additionalProperties: false,
    description: 'Per-node fields of the test platform.',
    properties: { rack: { type: 'string', description: 'Where the machine stands.' } },
  },
  typeNames: { section: 'PxeTestPlatform', node: 'PxeTestNode' },
  sizedNodes: false,
  validate(c, p: Problems) {
    const port = (c.spec as unknown as { pxetest: PxeTestSettings }).pxetest.port;
    if (port < 1024) p.error('spec.pxetest.port', `invalid value ${port}: a privileged port`, 'use a port of 1024 or above');
  },
  boot: {
    kind: 'two-stage',
    via: 'the test',
    secondStageSource: (c, n) => secretBundleUrl('127.0.0.1', (c.spec as unknown as { pxetest: PxeTestSettings }).pxetest.port, n.name),
  },
  provider: () =>
    Promise.resolve({
      settings: (c) => ({ port: (c.spec as unknown as { pxetest: PxeTestSettings }).pxetest.port }),
      fromJournal: (r) => ({ port: Number(r.port) }),
      open: (s) => new PxeTestProvider(s),
    }),
};
