import { describe, expect, it } from '@jest/globals';
import { checkFacts, findVersion, parseFacts, probeScript, type HostFacts } from '../../../../pkg/infra/ssh/preflight-checks.js';

const ready: HostFacts = {
  os: 'linux', osId: 'debian', osVersion: '12', osName: 'Debian 12', pid1: 'systemd', machineId: 'abc', macs: ['52:54:00:00:00:01'], swaps: [], runtimeSocket: true,
  programs: { kubelet: { path: '/usr/bin/kubelet', version: 'Kubernetes v1.30.2' }, kubeadm: { path: '/usr/bin/kubeadm', version: 'v1.30.2' }, crictl: { path: '/usr/bin/crictl', version: 'crictl version v1.30.0' } },
};

describe('preflight checks of an existing host', () => {
  it('reads the probe\'s key=value lines, repeated keys as lists', () => {
    const out = ['ostree=yes', 'os_id=nestos', 'os_version=22.03', 'os_name=NestOS = 22', 'pid1=systemd', 'machine_id=abc', 'mac=52:54:00:AA:00:01', 'mac=00:00:00:00:00:00', 'swap=/dev/sda2', 'path_kubelet=/usr/bin/kubelet', 'version_kubelet=Kubernetes v1.30.2', 'socket=yes', 'noise'].join('\n');
    const f = parseFacts(out);
    expect(f).toMatchObject({ os: 'nestos', osName: 'NestOS = 22', macs: ['52:54:00:aa:00:01', '00:00:00:00:00:00'], swaps: ['/dev/sda2'], runtimeSocket: true });
    expect(f.programs.kubelet).toEqual({ path: '/usr/bin/kubelet', version: 'Kubernetes v1.30.2' });
    expect(f.programs.kubeadm).toBeUndefined();
    expect(parseFacts('ostree=no\nos_id=nestos\n').os).toBe('linux');
  });

  it('finds nothing wrong with a ready host', () => {
    expect(checkFacts(ready, { kubernetesVersion: 'v1.30.9', mac: '52:54:00:00:00:01', machineId: 'abc' })).toEqual([]);
  });

  it('asks for crictl only of a cluster whose kubeadm runs it (before 1.31)', () => {
    const { crictl: _crictl, ...programs } = ready.programs;
    const v130 = { ...ready, programs };
    const v137 = { ...v130, programs: { ...programs, kubelet: { path: '/usr/bin/kubelet', version: 'Kubernetes v1.37.1' }, kubeadm: { path: '/usr/bin/kubeadm', version: 'v1.37.1' } } };
    expect(checkFacts(v130, { kubernetesVersion: 'v1.30.2' })).toEqual([{ check: 'crictl', message: 'crictl is not on PATH (kubeadm 1.30 needs it)', fix: 'install cri-tools 1.30 (package cri-tools from pkgs.k8s.io)' }]);
    expect(checkFacts(v137, { kubernetesVersion: 'v1.37.1' })).toEqual([]);
  });

  it('refuses active swap unless it is tolerated', () => {
    const swapping = { ...ready, swaps: ['/dev/sda2', '/swapfile'] };
    expect(checkFacts(swapping, { kubernetesVersion: '1.30.0' })).toEqual([
      { check: 'swap', message: 'swap is on (/dev/sda2, /swapfile)', fix: 'turn it off (swapoff -a, and remove it from /etc/fstab or mask the swap unit), or declare swap tolerated (kubelet failSwapOn: false)' },
    ]);
    expect(checkFacts(swapping, { kubernetesVersion: '1.30.0', swap: 'tolerated' })).toEqual([]);
  });

  it('says when a program does not tell its version, and when kubeadm is of another major or minor', () => {
    const odd = { ...ready, programs: { ...ready.programs, kubeadm: { path: '/opt/kubeadm', version: 'segmentation fault' }, kubelet: { path: '/usr/bin/kubelet', version: 'Kubernetes v2.30.2' } } };
    expect(checkFacts(odd, { kubernetesVersion: 'v1.30.2' }).map((p) => p.message)).toEqual([
      'kubelet at /usr/bin/kubelet is v2.30.2, the cluster runs Kubernetes v1.30.2: minor versions differ',
      'kubeadm at /opt/kubeadm did not say its version (it said "segmentation fault")',
    ]);
  });

  it('looks for the cluster runtime\'s own socket and program', () => {
    expect(probeScript('crio')).toContain(`if [ -S "$r"'/var/run/crio/crio.sock' ]; then echo socket=yes; fi`);
    expect(probeScript('containerd', '/srv/h0')).toContain("r='/srv/h0'");
    const noCrio = { ...ready, runtimeSocket: false };
    expect(checkFacts(noCrio, { kubernetesVersion: 'v1.30.2', runtime: 'crio' })[0]!.message).toBe('no container runtime: /var/run/crio/crio.sock does not exist and crio is not on PATH');
    const docker = { ...noCrio, programs: { ...ready.programs, 'cri-dockerd': { path: '/usr/bin/cri-dockerd', version: 'cri-dockerd 0.3.14' } } };
    expect(checkFacts(docker, { kubernetesVersion: 'v1.30.2', runtime: 'docker' })[0]).toEqual({ check: 'runtime', message: 'cri-dockerd is installed (/usr/bin/cri-dockerd) but its CRI socket /run/cri-dockerd.sock does not exist: it is not running', fix: 'start it: systemctl enable --now cri-docker.socket' });
  });

  it('reads versions out of what the programs print', () => {
    expect(findVersion('Kubernetes v1.30.2')?.text).toBe('v1.30.2');
    expect(findVersion('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1')).toMatchObject({ major: 1, minor: 6, patch: 20 });
    expect(findVersion('none')).toBeUndefined();
    expect(() => checkFacts(ready, { kubernetesVersion: 'latest' })).toThrow('not a Kubernetes version: "latest"');
  });
});
