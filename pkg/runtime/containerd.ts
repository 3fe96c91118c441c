import type { HostFile } from '../host/file.js';
import { tomlString } from '../host/quote.js';
import { registryServer, type RegistryHosts } from './registries.js';

const CERTS_D = '/etc/containerd/certs.d';

/**
 * /etc/containerd/config.toml: sandbox image, systemd cgroups, registry hosts from certs.d, and
 * (restrictOOMScoreAdj) OOM score adjustments clamped to containerd's own.
 */
export function containerdConfigToml(pauseImage: string, version: 2 | 3, restrictOOMScoreAdj = false): string {
  const header = '# Written by nkd: CRI settings for kubeadm. Registry mirrors live in ' + CERTS_D + '/<registry>/hosts.toml.\n';
  if (version === 3) {
    return (
      header +
      'version = 3\n\n' +
      `[plugins.'io.containerd.cri.v1.images'.pinned_images]\n  sandbox = ${tomlString(pauseImage)}\n\n` +
      `[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = ${tomlString(CERTS_D)}\n\n` +
      (restrictOOMScoreAdj ? `[plugins.'io.containerd.cri.v1.runtime']\n  restrict_oom_score_adj = true\n\n` : '') +
      `[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n\n` +
      `[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = true\n`
    );
  }
  return (
    header +
    'version = 2\n\n' +
    `[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = ${tomlString(pauseImage)}\n${restrictOOMScoreAdj ? '  restrict_oom_score_adj = true\n' : ''}\n` +
    `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n\n` +
    `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n\n` +
    `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ${tomlString(CERTS_D)}\n`
  );
}

/** One registry's hosts.toml: mirrors first, in order, then (insecure) the registry itself. */
export function containerdHostsToml(r: RegistryHosts): string {
  const lines = [`# Written by nkd: how containerd reaches ${r.registry}.`, `server = ${tomlString(registryServer(r.registry))}`, ''];
  const host = (url: string, caps: string[], skipVerify: boolean): void => {
    lines.push(`[host.${tomlString(url)}]`, `  capabilities = [${caps.map(tomlString).join(', ')}]`);
    if (skipVerify) lines.push('  skip_verify = true');
    lines.push('');
  };
  for (const m of r.mirrors) host(m, ['pull', 'resolve'], r.insecure && m.startsWith('https:'));
  if (r.insecure) {
    host(`https://${r.registry}`, ['pull', 'resolve', 'push'], true);
    host(`http://${r.registry}`, ['pull', 'resolve', 'push'], false);
  }
  return lines.join('\n');
}

/** containerd's files: config.toml and one hosts.toml per configured registry. */
export function containerdFiles(pauseImage: string, registries: RegistryHosts[], version: 2 | 3, restrictOOMScoreAdj = false): HostFile[] {
  return [
    { path: '/etc/containerd/config.toml', contents: containerdConfigToml(pauseImage, version, restrictOOMScoreAdj), mode: 0o644 },
    ...registries.map((r) => ({ path: `${CERTS_D}/${r.registry}/hosts.toml`, contents: containerdHostsToml(r), mode: 0o644 })),
  ];
}
