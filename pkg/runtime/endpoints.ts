import type { RuntimeType } from './types.js';

const SOCKETS: Record<RuntimeType, string> = {
  containerd: 'unix:///run/containerd/containerd.sock',
  crio: 'unix:///var/run/crio/crio.sock',
  isulad: 'unix:///var/run/isulad.sock',
  docker: 'unix:///run/cri-dockerd.sock',
};

/** The CRI endpoint of a runtime: kubeadm's nodeRegistration.criSocket and the kubelet's --container-runtime-endpoint. */
export function criSocket(type: RuntimeType): string {
  return SOCKETS[type];
}

/** The kubelet flags that point it at the runtime (name without `--`). */
export function kubeletRuntimeArgs(type: RuntimeType): Record<string, string> {
  return { 'container-runtime-endpoint': criSocket(type) };
}

/** /etc/crictl.yaml for the runtime's endpoint. */
export function crictlYaml(endpoint: string): string {
  return `runtime-endpoint: ${endpoint}\nimage-endpoint: ${endpoint}\ntimeout: 10\n`;
}
