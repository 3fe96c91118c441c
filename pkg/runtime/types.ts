import type { HostFile } from '../host/file.js';

/** The container runtimes nkd configures. */
export type RuntimeType = 'containerd' | 'crio' | 'isulad' | 'docker';

/** A drop-in nkd adds to a unit the OS image ships. */
export interface RuntimeDropin {
  /** Unit name, e.g. `cri-docker.service`. */
  unit: string;
  /** Drop-in file name. */
  name: string;
  /** Drop-in text. */
  contents: string;
}

/** Everything a node needs to run a container runtime for the kubelet. */
export interface RuntimeSetup {
  /** Which runtime. */
  type: RuntimeType;
  /** Units first boot enables and starts before kubeadm, in order. */
  services: string[];
  /** The CRI endpoint (kubelet --container-runtime-endpoint, kubeadm criSocket, crictl). */
  criSocket: string;
  /** Configuration files (runtime config, registry mirrors, /etc/crictl.yaml). */
  files: HostFile[];
  /** Drop-ins for the runtime's own units. */
  dropins: RuntimeDropin[];
  /** Settings the runtime cannot honour (e.g. Docker mirrors a registry other than docker.io). */
  warnings: string[];
}

/** Options of the runtime configuration. */
export interface RuntimeOptions {
  /** containerd config.toml version: 2 (containerd 1.x, also read by 2.x) or 3 (containerd 2.x). */
  containerdConfigVersion?: 2 | 3;
}
