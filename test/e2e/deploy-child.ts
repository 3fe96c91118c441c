/**
 * A provisioning run that kills itself (SIGKILL, no cleanup) right after its N-th completed
 * step: the interruption test runs it from dist/ against a real libvirtd, then resumes.
 * Usage: node dist/test/e2e/deploy-child.js <scenario.json> <kill-after-steps|0>
 */
import { readFileSync } from 'node:fs';
import { Journal } from '../../pkg/infra/journal.js';
import { LibvirtProvider } from '../../pkg/infra/libvirt/provider.js';
import { libvirtJournalSettings } from '../../pkg/infra/libvirt/platform.js';
import type { LibvirtDeps } from '../../pkg/infra/libvirt/provider.js';
import type { LibvirtSettings } from '../../pkg/infra/libvirt/settings.js';
import type { DesiredCluster, NodeSize } from '../../pkg/infra/types.js';

const [scenarioFile, killAfterArg] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(scenarioFile ?? '', 'utf8')) as { settings: LibvirtSettings; guest: LibvirtDeps; desired: DesiredCluster<NodeSize>; journal: string };
const killAfter = Number(killAfterArg ?? '0');
let steps = 0;
const step = (m: string): void => {
  process.stdout.write(`step ${++steps}: ${m}\n`);
  if (steps === killAfter) process.kill(process.pid, 'SIGKILL');
};
const journal = await Journal.open(scenario.journal, { clusterId: scenario.desired.clusterId, provider: 'libvirt', providerConfig: libvirtJournalSettings(scenario.settings) });
const provider = new LibvirtProvider(scenario.settings, scenario.guest);
const plan = await provider.plan(scenario.desired, journal);
process.stdout.write(`plan: ${plan.items.filter((i) => i.action === 'create').length} to create\n`);
await provider.apply(plan, journal, { progress: { info: () => {}, warn: () => {}, debug: () => {}, ok: step }, concurrency: 1 });
await provider.close();
process.stdout.write(`done after ${steps} steps\n`);
