/**
 * First boot on a FAKE host (fake rpm-ostree, systemctl, kubeadm; see fake-host.ts): the real
 * ignition writes each role's config to a scratch root, then the rendered first-boot scripts
 * run for real in bash there. Checks that every step is idempotent and writes its success
 * marker only after the step succeeded, and that the units pass systemd-analyze verify.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../../../pkg/config/types.gen.js';
import { serializeIgnition } from '../../../pkg/ignition/serialize.js';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { HOST } from '../../../pkg/host/paths.js';
import { extrasFor, SCENARIOS, scenarioConfig } from '../../unit/node/scenarios.js';
import { prepareFakeHost, runOnFakeHost, setFake, takeCalls } from './fake-host.js';
import { applyIgnition, requireTools, type Applied } from './tools.js';

let config: ClusterConfig;
const roots: Applied[] = [];
const REF = () => `ostree-unverified-registry:${config.spec.os.releaseImage}`;

beforeAll(async () => {
  requireTools();
  config = await scenarioConfig({
    name: 'HA kube-vip with a pre-hook',
    mutate: (d) => {
      SCENARIOS.find((s) => s.name.includes('kube-vip'))!.mutate(d);
      d.spec.hooks = { preScripts: [{ name: 'hello.sh', content: `#!/bin/sh\necho "it's \\$HOME 100%" > /tmp/hook-ran\n` }] };
    },
  });
});
afterAll(async () => Promise.all(roots.map((r) => r.cleanup())));

async function bootRoot(name: string): Promise<string> {
  const node = config.spec.nodes.find((n) => n.name === name)!;
  const a = await applyIgnition(serializeIgnition(buildNodeIgnition(config, node, extrasFor(config, node))), { groups: ['wheel'] });
  roots.push(a);
  expect({ code: a.code, log: a.code ? a.log : '' }).toEqual({ code: 0, log: '' });
  await prepareFakeHost(a.root, 'ostree-unverified-registry:quay.io/openeuler/nestos:base');
  return a.root;
}

const marker = (root: string, path: string): boolean => existsSync(join(root, path));

describe('first boot on a fake host', () => {
  test('the pivot rebases and reboots without a marker, then marks success once the release image is booted', async () => {
    const r = await bootRoot('master-1');
    expect((await runOnFakeHost(r, HOST.pivotScript)).code).toBe(0);
    expect(await takeCalls(r)).toEqual(['rpm-ostree status --booted', `rpm-ostree rebase ${REF()}`, 'systemctl reboot']);
    expect(marker(r, HOST.pivotMarker)).toBe(false);

    await setFake(r, 'booted', REF());
    expect((await runOnFakeHost(r, HOST.pivotScript)).code).toBe(0);
    expect(await takeCalls(r)).toEqual(['rpm-ostree status --booted']);
    expect(marker(r, HOST.pivotMarker)).toBe(true);
  });

  test('a failed rebase leaves no marker and does not reboot; the pivot gives up after three reboots', async () => {
    const r = await bootRoot('worker-1');
    await setFake(r, 'rebase-rc', '1');
    expect((await runOnFakeHost(r, HOST.pivotScript)).code).not.toBe(0);
    expect(await takeCalls(r)).not.toContain('systemctl reboot');
    await setFake(r, 'rebase-rc', '0');
    for (let i = 0; i < 2; i++) expect((await runOnFakeHost(r, HOST.pivotScript)).code).toBe(0);
    const last = await runOnFakeHost(r, HOST.pivotScript);
    expect(last.code).not.toBe(0);
    expect(last.output).toContain('giving up');
    expect(marker(r, HOST.pivotMarker)).toBe(false);
  });

  test('pre-hooks run before kubeadm and mark success only when every hook succeeded', async () => {
    const r = await bootRoot('master-2');
    expect((await runOnFakeHost(r, HOST.prehooksScript)).code).toBe(0);
    expect(readFileSync(join(r, 'tmp/hook-ran'), 'utf8')).toBe(`it's $HOME 100%\n`);
    expect(marker(r, HOST.prehooksMarker)).toBe(true);

    const r2 = await bootRoot('worker-2');
    await runOnFakeHost(r2, `printf 'exit 3\\n' > ${HOST.hooksDir}/002-fails`);
    expect((await runOnFakeHost(r2, HOST.prehooksScript)).code).toBe(3);
    expect(marker(r2, HOST.prehooksMarker)).toBe(false);
  });

  test('kubeadm init: a failure leaves no marker; the retry undoes it with kubeadm reset and restores the PKI nkd placed, then kube-vip switches to admin.conf', async () => {
    const r = await bootRoot('master-1');
    await setFake(r, 'kubeadm-rcs', '1\n');
    expect((await runOnFakeHost(r, HOST.kubeadmScript)).code).toBe(1);
    expect(await takeCalls(r)).toEqual(['systemctl enable --now containerd.service', 'systemctl enable kubelet.service', 'kubeadm init --config /etc/nkd/kubeadm.yaml']);
    expect(marker(r, HOST.kubeadmMarker)).toBe(false);
    expect(readFileSync(join(r, HOST.kubeVipManifest), 'utf8')).toContain('path: /etc/kubernetes/super-admin.conf');

    rmSync(join(r, 'etc/kubernetes/pki'), { recursive: true }); // what kubeadm reset would remove
    expect((await runOnFakeHost(r, HOST.kubeadmScript)).code).toBe(0);
    expect((await takeCalls(r)).filter((c) => c.startsWith('kubeadm'))).toEqual(['kubeadm reset --force', 'kubeadm init --config /etc/nkd/kubeadm.yaml']);
    expect(marker(r, HOST.kubeadmMarker)).toBe(true);
    expect(existsSync(join(r, 'etc/kubernetes/pki/ca.key'))).toBe(true);
    expect(existsSync(join(r, HOST.kubeadmPlaced))).toBe(false);
    const manifest = readFileSync(join(r, HOST.kubeVipManifest), 'utf8');
    expect(manifest).toContain('path: /etc/kubernetes/admin.conf');
    expect(manifest).not.toContain('super-admin.conf');
  });

  test('a worker whose join failed is reset before it joins again', async () => {
    const r = await bootRoot('worker-1');
    await setFake(r, 'kubeadm-rcs', '1\n');
    expect((await runOnFakeHost(r, HOST.kubeadmScript)).code).toBe(1);
    await takeCalls(r);
    expect((await runOnFakeHost(r, HOST.kubeadmScript)).code).toBe(0);
    expect((await takeCalls(r)).filter((c) => c.startsWith('kubeadm'))).toEqual(['kubeadm reset --force', 'kubeadm join --config /etc/nkd/kubeadm.yaml']);
    expect(marker(r, HOST.kubeadmMarker)).toBe(true);
  });

  test.each(['master-1', 'master-2', 'worker-1'])('the first-boot units of %s pass systemd-analyze verify', async (name) => {
    const r = await bootRoot(name);
    const units = ['nkd-pivot.service', 'nkd-prehooks.service', 'nkd-kubeadm.service'].map((u) => `/etc/systemd/system/${u}`);
    const out = await runOnFakeHost(r, `/usr/bin/systemd-analyze verify ${units.join(' ')} 2>&1`);
    expect(out).toEqual({ code: 0, output: '' });
  });
});
