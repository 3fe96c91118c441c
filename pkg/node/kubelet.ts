import type { Unit } from '../ignition/types.js';
import { HOST } from '../host/paths.js';
import { renderNodeTemplate } from '../host/templates.js';
import type { HostFile } from '../host/file.js';

/** The kubelet unit drop-in (kubeadm's 10-kubeadm.conf, reading /etc/sysconfig/kubelet too). */
export function kubeletUnit(): Unit {
  return { name: 'kubelet.service', dropins: [{ name: '10-kubeadm.conf', contents: renderNodeTemplate('10-kubeadm.conf', { sysconfig: HOST.kubeletSysconfig }) }] };
}

/** /etc/sysconfig/kubelet: the runtime endpoint and, when known, the node's address. */
export function kubeletSysconfig(criSocket: string, nodeIp: string | undefined): HostFile {
  return { path: HOST.kubeletSysconfig, contents: renderNodeTemplate('kubelet.sysconfig', { endpoint: criSocket, nodeIp: nodeIp ?? '' }), mode: 0o644 };
}
