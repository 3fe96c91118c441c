import type { ContainerRuntimeSpec } from '../config/types.gen.js';
import { containerdFiles } from './containerd.js';
import { crioFiles } from './crio.js';
import { dockerFiles } from './docker.js';
import { crictlYaml, criSocket } from './endpoints.js';
import { isuladFiles } from './isulad.js';
import { registryHosts } from './registries.js';
import type { RuntimeOptions, RuntimeSetup } from './types.js';

/**
 * Everything the node needs for the configured runtime: its config files with the pause
 * image and registry mirrors, /etc/crictl.yaml, drop-ins, the units to start and the CRI socket.
 */
export function runtimeSetup(spec: ContainerRuntimeSpec, pauseImage: string, opts: RuntimeOptions = {}): RuntimeSetup {
  const registries = registryHosts(spec);
  const socket = criSocket(spec.type);
  const crictl = { path: '/etc/crictl.yaml', contents: crictlYaml(socket), mode: 0o644 };
  switch (spec.type) {
    case 'containerd':
      return { type: 'containerd', services: ['containerd.service'], criSocket: socket, files: [...containerdFiles(pauseImage, registries, opts.containerdConfigVersion ?? 2, spec.restrictOOMScoreAdj), crictl], dropins: [], warnings: [] };
    case 'crio':
      return { type: 'crio', services: ['crio.service'], criSocket: socket, files: [...crioFiles(pauseImage, registries), crictl], dropins: [], warnings: [] };
    case 'isulad': {
      const { files, warnings } = isuladFiles(pauseImage, registries);
      return { type: 'isulad', services: ['isulad.service'], criSocket: socket, files: [...files, crictl], dropins: [], warnings };
    }
    case 'docker': {
      const { files, dropins, warnings } = dockerFiles(pauseImage, registries);
      return { type: 'docker', services: ['docker.service', 'cri-docker.socket', 'cri-docker.service'], criSocket: socket, files: [...files, crictl], dropins, warnings };
    }
  }
}
