import type { HostFile } from '../host/file.js';
import { tomlString } from '../host/quote.js';
import { withoutScheme, type RegistryHosts } from './registries.js';

/** CRI-O drop-in: pause image and the systemd cgroup manager. */
export function crioDropin(pauseImage: string): string {
  return (
    '# Written by nkd: CRI-O settings for kubeadm.\n' +
    `[crio.image]\npause_image = ${tomlString(pauseImage)}\n\n` +
    '[crio.runtime]\ncgroup_manager = "systemd"\nconmon_cgroup = "pod"\n'
  );
}

/** containers-registries.conf(5) v2 drop-in: one [[registry]] per registry with its mirrors. */
export function registriesConf(registries: RegistryHosts[]): string {
  const lines = ['# Written by nkd: registry mirrors and insecure registries (containers-registries.conf(5)).', ''];
  for (const r of registries) {
    lines.push('[[registry]]', `prefix = ${tomlString(r.registry)}`, `location = ${tomlString(r.registry)}`);
    if (r.insecure) lines.push('insecure = true');
    lines.push('');
    for (const m of r.mirrors) {
      lines.push('[[registry.mirror]]', `location = ${tomlString(withoutScheme(m))}`);
      if (r.insecure || m.startsWith('http:')) lines.push('insecure = true');
      lines.push('');
    }
  }
  return lines.join('\n');
}

/** CRI-O's files: the crio.conf.d drop-in and, when registries are configured, registries.conf.d. */
export function crioFiles(pauseImage: string, registries: RegistryHosts[]): HostFile[] {
  const files: HostFile[] = [{ path: '/etc/crio/crio.conf.d/50-nkd.conf', contents: crioDropin(pauseImage), mode: 0o644 }];
  if (registries.length) files.push({ path: '/etc/containers/registries.conf.d/50-nkd.conf', contents: registriesConf(registries), mode: 0o644 });
  return files;
}
