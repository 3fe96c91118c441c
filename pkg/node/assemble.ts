import type { ClusterConfig, ClusterNode } from '../config/types.gen.js';
import { assertValidIgnition } from '../ignition/check.js';
import { emptyConfig, inlineFile, normalizeConfig } from '../ignition/build.js';
import type { IgnitionConfig, Unit } from '../ignition/types.js';
import { runtimeSetup } from '../runtime/setup.js';
import type { RuntimeOptions } from '../runtime/types.js';
import { ExitCode, NkdError, wrapError } from '../ui/errors.js';
import { firstBoot } from './firstboot.js';
import { preScriptFiles } from './hooks.js';
import { HOST } from '../host/paths.js';
import { kubeletSysconfig, kubeletUnit } from './kubelet.js';
import { cgroupKernelArguments, staticNetworkFile, systemFiles } from './system.js';
import type { HostFile } from '../host/file.js';
import type { NodeExtras } from './types.js';
import { loginUser } from './users.js';
import { vipFiles } from './vip.js';

/** Optional knobs of {@link buildNodeIgnition} beyond the contract. */
export type BuildOptions = RuntimeOptions;

function checkExtraFiles(files: HostFile[], node: string): void {
  for (const f of files) {
    if (!f.path.startsWith('/') || f.path.includes('..')) {
      throw new NkdError(`node ${node}: extra file path "${f.path}" is not an absolute path`, { code: ExitCode.Failure, hint: 'render passes host paths such as /etc/kubernetes/pki/ca.crt' });
    }
  }
}

/**
 * One node's Ignition config (spec.os.ignitionVersion): hostname, static network, kernel
 * modules and sysctls, the container runtime with pause image and mirrors, the kubelet
 * drop-in, the kubeadm file, PKI and kubeconfigs (extras.files), users and SSH keys, the
 * VIP on control-plane nodes, pre-hooks, and the first-boot chain pivot → pre-hooks →
 * kubeadm. Pure apart from reading pre-scripts given by path without preScriptContents.
 */
export function buildNodeIgnition(config: ClusterConfig, node: ClusterNode, extras: NodeExtras, opts: BuildOptions = {}): IgnitionConfig {
  try {
    const s = config.spec;
    checkExtraFiles(extras.files, node.name);
    const runtime = runtimeSetup(s.containerRuntime, s.kubernetes.pauseImage, opts);
    const vip = vipFiles(config, node, extras.kubeadmAction);
    const hooks = preScriptFiles(config, node, extras);
    const boot = firstBoot({
      node,
      action: extras.kubeadmAction,
      releaseImage: s.os.releaseImage,
      services: [...runtime.services, ...vip.services],
      prehooks: hooks.length > 0,
      switchKubeVip: vip.switchKubeVip,
    });
    const network = staticNetworkFile(config, node);

    const files: HostFile[] = [
      ...systemFiles(node),
      ...(network ? [network] : []),
      ...runtime.files,
      kubeletSysconfig(runtime.criSocket, node.ip),
      { path: HOST.kubeadmConfig, contents: extras.kubeadmYaml, mode: 0o600 },
      ...extras.files,
      ...vip.files,
      ...hooks,
      ...boot.files,
    ];
    const runtimeUnits = new Map<string, Unit>();
    for (const d of runtime.dropins) {
      const u = runtimeUnits.get(d.unit) ?? { name: d.unit, dropins: [] };
      u.dropins!.push({ name: d.name, contents: d.contents });
      runtimeUnits.set(d.unit, u);
    }
    const cfg = normalizeConfig({
      ...emptyConfig(s.os.ignitionVersion),
      storage: { files: files.map((f) => inlineFile(f.path, f.contents, f.mode)) },
      systemd: { units: [kubeletUnit(), ...runtimeUnits.values(), ...boot.units] },
      passwd: { users: [loginUser(s.access)] },
      ...cgroupKernelArguments(s.os.cgroupVersion),
    });
    assertValidIgnition(cfg, `node ${node.name}`);
    return cfg;
  } catch (err) {
    if (err instanceof NkdError && err.code === ExitCode.Usage) throw err;
    throw wrapError(`assembling the Ignition config of node ${node.name}`, err);
  }
}
