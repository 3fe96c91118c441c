import type { HostFile } from '../host/file.js';
import { withoutScheme, type RegistryHosts } from './registries.js';

/**
 * /etc/isulad/daemon.json: openEuler's defaults plus the CNI network plugin, the pause
 * image, systemd cgroups, docker.io mirrors (iSulad mirrors only unqualified/docker.io
 * images) and insecure registries. Returns the text and what iSulad cannot honour.
 */
export function isuladDaemonJson(pauseImage: string, registries: RegistryHosts[]): { contents: string; warnings: string[] } {
  const warnings: string[] = [];
  const mirrors: string[] = [];
  const insecure: string[] = [];
  for (const r of registries) {
    if (r.registry === 'docker.io') mirrors.push(...r.mirrors.map(withoutScheme));
    else if (r.mirrors.length) warnings.push(`iSulad mirrors only docker.io; the mirrors of ${r.registry} are not used`);
    if (r.insecure) insecure.push(r.registry);
    for (const m of r.mirrors) if (m.startsWith('http:') || r.insecure) insecure.push(withoutScheme(m));
  }
  const daemon = {
    group: 'isula',
    'default-runtime': 'runc',
    graph: '/var/lib/isulad',
    state: '/var/run/isulad',
    engine: 'lcr',
    'log-level': 'ERROR',
    pidfile: '/var/run/isulad.pid',
    'log-opts': { 'log-file-mode': '0600', 'log-path': '/var/lib/isulad', 'max-file': '1', 'max-size': '30KB' },
    'log-driver': 'stdout',
    'container-log': { driver: 'json-file' },
    'hook-spec': '/etc/default/isulad/hooks/default.json',
    'start-timeout': '2m',
    'storage-driver': 'overlay2',
    'storage-opts': ['overlay2.override_kernel_check=true'],
    'registry-mirrors': [...mirrors, 'docker.io'],
    'insecure-registries': [...new Set(insecure)],
    'pod-sandbox-image': pauseImage,
    'systemd-cgroup': true,
    'native.umask': 'secure',
    'network-plugin': 'cni',
    'cni-bin-dir': '/opt/cni/bin',
    'cni-conf-dir': '/etc/cni/net.d',
    'image-layer-check': false,
    'use-decrypted-key': true,
    'insecure-skip-verify-enforce': false,
  };
  return { contents: JSON.stringify(daemon, null, 2) + '\n', warnings };
}

/** iSulad's files. */
export function isuladFiles(pauseImage: string, registries: RegistryHosts[]): { files: HostFile[]; warnings: string[] } {
  const { contents, warnings } = isuladDaemonJson(pauseImage, registries);
  return { files: [{ path: '/etc/isulad/daemon.json', contents, mode: 0o600 }], warnings };
}
