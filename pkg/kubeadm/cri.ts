import type { ContainerRuntimeSpec } from '../config/types.gen.js';

/** The CRI socket kubeadm and the kubelet talk to, per container runtime. */
export function criSocket(runtime: ContainerRuntimeSpec['type']): string {
  switch (runtime) {
    case 'containerd':
      return 'unix:///run/containerd/containerd.sock';
    case 'crio':
      return 'unix:///var/run/crio/crio.sock';
    case 'isulad':
      return 'unix:///var/run/isulad.sock';
    case 'docker':
      return 'unix:///var/run/cri-dockerd.sock';
  }
}
