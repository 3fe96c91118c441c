import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { preflightError, preflightHost } from '../../../pkg/infra/ssh/preflight.js';
import { openSession, type SshSession } from '../../../pkg/infra/ssh/session.js';
import { describeWithSshHosts, startSshHosts, type SshHost, type SshHosts } from './ssh-hosts.js';

jest.setTimeout(120_000);

// what this machine's PID 1 is: the netns hosts share it, and it is not systemd here
const PID1 = readFileSync('/proc/1/comm', 'utf8').trim();
const noSystemd = { check: 'systemd', message: `systemd is not PID 1 (PID 1 is "${PID1}")`, fix: 'nkd runs the kubelet and its first-boot units as systemd services: use a host booted with systemd' };

/** A stand-in executable that only prints a version line, as the real program's --version would. */
async function standIn(h: SshHost, name: string, versionLine: string): Promise<void> {
  await writeFile(`${h.bin}/${name}`, `#!/bin/sh\n# stand-in for ${name}: prints its version only\necho ${JSON.stringify(versionLine)}\n`);
  await chmod(`${h.bin}/${name}`, 0o755);
}

describeWithSshHosts('preflight of an existing host', () => {
  let net: SshHosts;
  let h: SshHost;
  let s: SshSession;
  beforeAll(async () => {
    if (PID1 === 'systemd') throw new Error('this test expects a machine whose PID 1 is not systemd (the netns hosts share it)');
    net = await startSshHosts(2);
    h = net.hosts[0]!;
    s = await openSession(h.target());
    await mkdir(`${h.root}/etc`, { recursive: true });
    await writeFile(`${h.root}/etc/machine-id`, '0123456789abcdef0123456789abcdef\n');
    await writeFile(`${h.root}/etc/os-release`, 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  });
  afterAll(async () => {
    await s?.close();
    await net?.stop();
  });

  it('finds a general-purpose host without kubelet, kubeadm, crictl and a runtime, and says how to install each', async () => {
    const r = await preflightHost(s, { kubernetesVersion: 'v1.30.2', mac: h.mac.toUpperCase(), machineId: '0123456789abcdef0123456789abcdef', root: h.root });
    expect(r.facts).toMatchObject({ os: 'linux', osId: 'debian', osVersion: '12', osName: 'Debian GNU/Linux 12 (bookworm)', pid1: PID1, machineId: '0123456789abcdef0123456789abcdef', runtimeSocket: false });
    expect(r.facts.macs.sort()).toEqual(['00:00:00:00:00:00', h.mac].sort()); // lo and eth0 of its own namespace
    expect(r.problems).toEqual([
      noSystemd,
      { check: 'runtime', message: 'no container runtime: /run/containerd/containerd.sock does not exist and containerd is not on PATH', fix: 'install containerd (apt-get install containerd, dnf install containerd) and start it (systemctl enable --now containerd)' },
      { check: 'crictl', message: 'crictl is not on PATH (kubeadm 1.30 needs it)', fix: 'install cri-tools 1.30 (package cri-tools from pkgs.k8s.io)' },
      { check: 'kubelet', message: 'kubelet is not on PATH', fix: 'install kubelet 1.30.x (package kubelet from pkgs.k8s.io/core:/stable:/v1.30)' },
      { check: 'kubeadm', message: 'kubeadm is not on PATH', fix: 'install kubeadm 1.30.x (package kubeadm from pkgs.k8s.io/core:/stable:/v1.30)' },
    ]);
    const err = preflightError(s.label, r.problems)!;
    expect(err.message).toBe(`node h0 (${h.ip}:22): the host is not ready to join the cluster (5 problems)`);
    expect(err.details[3]).toBe('kubelet is not on PATH; fix: install kubelet 1.30.x (package kubelet from pkgs.k8s.io/core:/stable:/v1.30)');
  });

  it('says when the host is not the machine the cluster file names (MAC, machine ID)', async () => {
    const other = net.hosts[1]!;
    const r = await preflightHost(s, { kubernetesVersion: 'v1.30.2', mac: other.mac, machineId: 'ffffffffffffffffffffffffffffffff', root: h.root });
    expect(r.problems.filter((p) => p.check === 'mac' || p.check === 'machine-id').map((p) => p.message)).toEqual([
      `no interface has the node's MAC ${other.mac} (found: ${r.facts.macs.join(', ')})`,
      'the machine ID is "0123456789abcdef0123456789abcdef", expected "ffffffffffffffffffffffffffffffff"',
    ]);
  });

  it('passes kubelet, kubeadm, crictl and the runtime once they are on the session PATH, and catches a kubelet of another minor', async () => {
    await standIn(h, 'kubelet', 'Kubernetes v1.30.2');
    await standIn(h, 'kubeadm', 'v1.30.2');
    await standIn(h, 'crictl', 'crictl version v1.30.0');
    await standIn(h, 'containerd', 'containerd github.com/containerd/containerd v1.7.13 7c3aca7a610df76212171d200ca3811ff6096eb8');
    const installed = await preflightHost(s, { kubernetesVersion: '1.30.2', root: h.root });
    expect(installed.facts.programs.kubelet).toEqual({ path: `${h.bin}/kubelet`, version: 'Kubernetes v1.30.2' });
    expect(installed.problems).toEqual([
      noSystemd,
      { check: 'runtime', message: `containerd is installed (${h.bin}/containerd) but its CRI socket /run/containerd/containerd.sock does not exist: it is not running`, fix: 'start it: systemctl enable --now containerd' },
    ]);
    // a listening stand-in socket where containerd's would be
    await mkdir(`${h.root}/run/containerd`, { recursive: true });
    const sock: Server = createServer((c) => c.destroy());
    await new Promise<void>((resolve) => sock.listen(`${h.root}/run/containerd/containerd.sock`, resolve));
    try {
      expect((await preflightHost(s, { kubernetesVersion: 'v1.30.0', root: h.root })).problems).toEqual([noSystemd]);
      await standIn(h, 'kubelet', 'Kubernetes v1.29.7');
      expect((await preflightHost(s, { kubernetesVersion: 'v1.30.0', root: h.root })).problems).toEqual([
        noSystemd,
        { check: 'kubelet', message: `kubelet at ${h.bin}/kubelet is v1.29.7, the cluster runs Kubernetes v1.30.0: minor versions differ`, fix: 'install kubelet 1.30.x (package kubelet from pkgs.k8s.io/core:/stable:/v1.30)' },
      ]);
    } finally {
      await new Promise((resolve) => sock.close(resolve));
      for (const n of ['kubelet', 'kubeadm', 'crictl', 'containerd']) await rm(`${h.bin}/${n}`);
    }
  });

  it('recognises NestOS and gives its fixes (rpm-ostree), not a package manager\'s', async () => {
    const other = net.hosts[1]!;
    const s1 = await openSession(other.target());
    try {
      await mkdir(`${other.root}/run`, { recursive: true });
      await mkdir(`${other.root}/etc`, { recursive: true });
      await writeFile(`${other.root}/run/ostree-booted`, '');
      await writeFile(`${other.root}/etc/os-release`, 'NAME="NestOS"\nID=nestos\nVERSION_ID=22.03.20240601\nPRETTY_NAME="NestOS For Container 22.03"\n');
      const r = await preflightHost(s1, { kubernetesVersion: 'v1.30.2', root: other.root });
      expect(r.facts).toMatchObject({ os: 'nestos', osId: 'nestos', osName: 'NestOS For Container 22.03' });
      expect(r.problems.map((p) => p.fix)).toEqual([
        noSystemd.fix,
        'use a NestOS image with containerd, or layer it: rpm-ostree install containerd',
        'rpm-ostree install cri-tools',
        'use a NestOS image with Kubernetes 1.30, or layer it: rpm-ostree install kubelet',
        'use a NestOS image with Kubernetes 1.30, or layer it: rpm-ostree install kubeadm',
      ]);
      // ostree-booted alone (another ostree OS) is a general-purpose host
      await writeFile(`${other.root}/etc/os-release`, 'ID=fedora\n');
      expect((await preflightHost(s1, { kubernetesVersion: 'v1.30.2', root: other.root })).facts.os).toBe('linux');
    } finally {
      await s1.close();
    }
  });
});
