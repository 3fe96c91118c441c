import type { HostFile } from '../host/file.js';

/** What render adds to a node's Ignition besides what the cluster file says (contracts.md). */
export interface NodeExtras {
  /** The node's kubeadm config, written to /etc/nkd/kubeadm.yaml (0600). */
  kubeadmYaml: string;
  /** Which kubeadm command first boot runs. */
  kubeadmAction: 'init' | 'join-control-plane' | 'join';
  /** PKI and kubeconfigs for control-plane nodes (modes kept). */
  files: HostFile[];
  /**
   * Directory relative `spec.hooks.preScripts[].path` are read from (LoadedConfig.baseDir).
   * Needed only when a pre-script has a path and `preScriptContents` does not carry it.
   */
  baseDir?: string;
  /** Pre-script contents already read, by script name (keeps assembly free of disk reads). */
  preScriptContents?: Record<string, string>;
}
