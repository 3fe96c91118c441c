/**
 * What nkd expects of an existing host before it brings it into a cluster over SSH, as pure
 * functions: the probe script (one command that reports facts as `key=value` lines), its
 * parser, and the checks that turn facts into problems, each saying what is missing and how
 * to install or fix it. preflight.ts runs the probe; docs/deploy.md "Existing hosts" lists
 * the checks.
 */
import { criSocket } from '../../runtime/endpoints.js';
import type { RuntimeType } from '../../runtime/types.js';
import { shellQuote as q } from '../../host/quote.js';

/** The program that serves each runtime's CRI socket, and how to get it. */
const RUNTIMES: Record<RuntimeType, { program: string; install: string }> = {
  containerd: { program: 'containerd', install: 'install containerd (apt-get install containerd, dnf install containerd) and start it (systemctl enable --now containerd)' },
  crio: { program: 'crio', install: 'install CRI-O from the Kubernetes project\'s packages and start it (systemctl enable --now crio)' },
  isulad: { program: 'isulad', install: 'install iSulad (dnf install iSulad) and start it (systemctl enable --now isulad)' },
  docker: { program: 'cri-dockerd', install: 'install Docker and cri-dockerd and start cri-docker.socket' },
};

/** The runtime's CRI socket as a path (`/run/containerd/containerd.sock`). */
function socketPath(type: RuntimeType): string {
  return criSocket(type).replace(/^unix:\/\//, '');
}

/** What a preflight checks against. */
export interface PreflightExpectations {
  /** The cluster's Kubernetes version (`v1.30.2` or `1.30.2`); kubelet and kubeadm must share its minor. */
  kubernetesVersion: string;
  /** The cluster's container runtime; default containerd. */
  runtime?: RuntimeType;
  /** The node's MAC, when the cluster file names one: some interface must have it. */
  mac?: string;
  /** The node's machine ID, when known: /etc/machine-id must hold it. */
  machineId?: string;
  /** Active swap is a problem (`off`, default) or accepted (`tolerated`: kubelet failSwapOn false). */
  swap?: 'off' | 'tolerated';
}

/** What the probe found. */
export interface HostFacts {
  /** `nestos` when /run/ostree-booted exists and os-release says ID=nestos; else a general-purpose Linux. */
  os: 'nestos' | 'linux';
  osId: string;
  osVersion: string;
  osName: string;
  pid1: string;
  machineId: string;
  macs: string[];
  swaps: string[];
  /** Path and first version line of each program looked for; absent when not on PATH. */
  programs: Record<string, { path: string; version: string } | undefined>;
  /** The runtime's CRI socket exists. */
  runtimeSocket: boolean;
}

/** The first kubeadm minor (1.x) that no longer runs crictl. */
const KUBEADM_WITHOUT_CRICTL = 31;

/** One problem: which check, what is wrong, how to fix it. */
export interface PreflightProblem {
  check: 'systemd' | 'runtime' | 'crictl' | 'kubelet' | 'kubeadm' | 'swap' | 'mac' | 'machine-id';
  message: string;
  fix: string;
}

const PROGRAMS: { name: string; version: string }[] = [
  { name: 'kubelet', version: 'kubelet --version' },
  { name: 'kubeadm', version: 'kubeadm version -o short' },
  { name: 'crictl', version: 'crictl --version' },
  ...Object.values(RUNTIMES).map((r) => ({ name: r.program, version: `${r.program} --version` })),
];

/** The probe: one POSIX sh script; files are read under `root` (default `/`), /proc and /sys as they are. */
export function probeScript(runtime: RuntimeType, root = '/'): string {
  const r = root === '/' ? '' : root;
  return [
    `r=${q(r)}`,
    'if [ -e "$r/run/ostree-booted" ]; then echo ostree=yes; else echo ostree=no; fi',
    'if [ -r "$r/etc/os-release" ]; then (. "$r/etc/os-release"; echo "os_id=${ID:-}"; echo "os_version=${VERSION_ID:-}"; echo "os_name=${PRETTY_NAME:-}"); fi',
    'echo "pid1=$(cat /proc/1/comm 2>/dev/null)"',
    'echo "machine_id=$(cat "$r/etc/machine-id" 2>/dev/null)"',
    'for f in /sys/class/net/*/address; do [ -r "$f" ] && echo "mac=$(cat "$f")"; done',
    'tail -n +2 /proc/swaps 2>/dev/null | while read -r dev rest; do echo "swap=$dev"; done',
    ...PROGRAMS.map((p) => `p=$(command -v ${p.name} 2>/dev/null || true); if [ -n "$p" ]; then echo "path_${p.name}=$p"; echo "version_${p.name}=$(timeout 10 ${p.version} 2>&1 | head -n 1)"; fi`),
    `if [ -S "$r"${q(socketPath(runtime))} ]; then echo socket=yes; fi`,
    'true',
  ].join('\n');
}

/** Parses the probe's output. */
export function parseFacts(stdout: string): HostFacts {
  const kv = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq);
    kv.set(k, [...(kv.get(k) ?? []), line.slice(eq + 1)]);
  }
  const one = (k: string) => kv.get(k)?.[0] ?? '';
  const programs: HostFacts['programs'] = {};
  for (const p of PROGRAMS) programs[p.name] = kv.has(`path_${p.name}`) ? { path: one(`path_${p.name}`), version: one(`version_${p.name}`) } : undefined;
  const osId = one('os_id');
  return {
    os: one('ostree') === 'yes' && osId === 'nestos' ? 'nestos' : 'linux',
    osId,
    osVersion: one('os_version'),
    osName: one('os_name'),
    pid1: one('pid1'),
    machineId: one('machine_id'),
    macs: (kv.get('mac') ?? []).map((m) => m.toLowerCase()),
    swaps: kv.get('swap') ?? [],
    programs,
    runtimeSocket: one('socket') === 'yes',
  };
}

/** `v1.30.2` from any text that holds a version, or undefined. */
export function findVersion(text: string): { major: number; minor: number; patch: number; text: string } | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: `v${m[1]}.${m[2]}.${m[3]}` } : undefined;
}

/** The problems in `facts` against `want`, in a fixed order. */
export function checkFacts(facts: HostFacts, want: PreflightExpectations): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const k8s = findVersion(want.kubernetesVersion);
  if (!k8s) throw new Error(`not a Kubernetes version: ${JSON.stringify(want.kubernetesVersion)}`);
  const minor = `${k8s.major}.${k8s.minor}`;
  const nestos = facts.os === 'nestos';
  if (facts.pid1 !== 'systemd') {
    problems.push({ check: 'systemd', message: `systemd is not PID 1 (PID 1 is ${facts.pid1 ? `"${facts.pid1}"` : 'unknown'})`, fix: 'nkd runs the kubelet and its first-boot units as systemd services: use a host booted with systemd' });
  }
  const rt = { ...RUNTIMES[want.runtime ?? 'containerd'], socket: socketPath(want.runtime ?? 'containerd') };
  const prog = facts.programs[rt.program];
  if (!facts.runtimeSocket) {
    problems.push(
      prog
        ? { check: 'runtime', message: `${rt.program} is installed (${prog.path}) but its CRI socket ${rt.socket} does not exist: it is not running`, fix: `start it: systemctl enable --now ${rt.program === 'cri-dockerd' ? 'cri-docker.socket' : rt.program}` }
        : { check: 'runtime', message: `no container runtime: ${rt.socket} does not exist and ${rt.program} is not on PATH`, fix: nestos ? `use a NestOS image with ${rt.program}, or layer it: rpm-ostree install ${rt.program}` : rt.install },
    );
  }
  // kubeadm before 1.31 ran crictl; from 1.31 on it talks to the CRI socket itself (its 1.37 binary
  // names crictl only in a help text), so crictl is no longer something a host must have
  if (!facts.programs.crictl && k8s.major === 1 && k8s.minor < KUBEADM_WITHOUT_CRICTL) problems.push({ check: 'crictl', message: `crictl is not on PATH (kubeadm ${minor} needs it)`, fix: nestos ? 'rpm-ostree install cri-tools' : `install cri-tools ${minor} (package cri-tools from pkgs.k8s.io)` });
  for (const name of ['kubelet', 'kubeadm'] as const) {
    const p = facts.programs[name];
    const fix = nestos ? `use a NestOS image with Kubernetes ${minor}, or layer it: rpm-ostree install ${name}` : `install ${name} ${minor}.x (package ${name} from pkgs.k8s.io/core:/stable:/v${minor})`;
    if (!p) {
      problems.push({ check: name, message: `${name} is not on PATH`, fix });
      continue;
    }
    const v = findVersion(p.version);
    if (!v) problems.push({ check: name, message: `${name} at ${p.path} did not say its version (it said ${JSON.stringify(p.version.slice(0, 80))})`, fix });
    else if (v.major !== k8s.major || v.minor !== k8s.minor) problems.push({ check: name, message: `${name} at ${p.path} is ${v.text}, the cluster runs Kubernetes ${k8s.text}: minor versions differ`, fix });
  }
  if (facts.swaps.length && (want.swap ?? 'off') === 'off') {
    problems.push({ check: 'swap', message: `swap is on (${facts.swaps.join(', ')})`, fix: 'turn it off (swapoff -a, and remove it from /etc/fstab or mask the swap unit), or declare swap tolerated (kubelet failSwapOn: false)' });
  }
  if (want.mac && !facts.macs.includes(want.mac.toLowerCase())) {
    problems.push({ check: 'mac', message: `no interface has the node's MAC ${want.mac.toLowerCase()} (found: ${facts.macs.join(', ') || 'none'})`, fix: 'check the MAC in the cluster file, or that this address reaches the right machine' });
  }
  if (want.machineId && facts.machineId !== want.machineId) {
    problems.push({ check: 'machine-id', message: `the machine ID is ${facts.machineId ? `"${facts.machineId}"` : 'missing'}, expected "${want.machineId}"`, fix: 'check the machine ID in the cluster file, or that this address reaches the right machine' });
  }
  return problems;
}
