import type { HostFile } from '../host/file.js';
import { systemdQuote } from '../host/quote.js';
import type { RegistryHosts } from './registries.js';
import type { RuntimeDropin } from './types.js';

/** /etc/docker/daemon.json: systemd cgroups, docker.io mirrors, insecure registries. */
export function dockerDaemonJson(registries: RegistryHosts[]): { contents: string; warnings: string[] } {
  const warnings: string[] = [];
  const mirrors: string[] = [];
  const insecure: string[] = [];
  for (const r of registries) {
    if (r.registry === 'docker.io') mirrors.push(...r.mirrors);
    else if (r.mirrors.length) warnings.push(`Docker mirrors only docker.io; the mirrors of ${r.registry} are not used`);
    if (r.insecure) insecure.push(r.registry);
  }
  const daemon = {
    'exec-opts': ['native.cgroupdriver=systemd'],
    'insecure-registries': insecure,
    'log-driver': 'json-file',
    'log-opts': { 'max-size': '100m' },
    'registry-mirrors': mirrors,
    'storage-driver': 'overlay2',
  };
  return { contents: JSON.stringify(daemon, null, 2) + '\n', warnings };
}

/** cri-dockerd drop-in: the CNI plugin and the pause image (--pod-infra-container-image). */
export function criDockerdDropin(pauseImage: string): RuntimeDropin {
  const image = systemdQuote(`--pod-infra-container-image=${pauseImage}`, 'spec.kubernetes.pauseImage');
  return {
    unit: 'cri-docker.service',
    name: '10-nkd.conf',
    contents: `# Written by nkd: cri-dockerd for the kubelet.\n[Service]\nExecStart=\nExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd:// --network-plugin=cni ${image}\n`,
  };
}

/** Docker's files and the cri-dockerd drop-in. */
export function dockerFiles(pauseImage: string, registries: RegistryHosts[]): { files: HostFile[]; dropins: RuntimeDropin[]; warnings: string[] } {
  const { contents, warnings } = dockerDaemonJson(registries);
  return { files: [{ path: '/etc/docker/daemon.json', contents, mode: 0o644 }], dropins: [criDockerdDropin(pauseImage)], warnings };
}
