/**
 * The site of the real-cluster test, as an air-gapped user would have it: a network (a bridge
 * of the test's own, 10.231.40.0/24), a real OCI registry on it (Debian's docker-registry) into
 * which every image the cluster needs was pushed (built here from Go-built binaries and Debian
 * packages by hack/cluster/images.sh), and the cluster file pointing kubeadm, containerd and
 * the release image at that registry. The site is not the cluster's: destroy leaves it, the
 * test's teardown removes it.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { packageRoot } from '../../../pkg/paths.js';
import { NKD_VERSION } from '../../../pkg/version.js';
import { alive, sh, shTry } from './host.js';
import { NspawnMachines } from './machines.js';

/** The site's fixed addresses (never 192.0.2.0/24: the machine's own subnet). */
export const SITE = {
  bridge: 'nkdc0',
  gateway: '10.231.40.1',
  cidr: '10.231.40.0/24',
  registry: '10.231.40.1:5000',
  podSubnet: '10.244.0.0/16',
} as const;

/** The Kubernetes version deployed, and the upgrade target (a STAND-IN patch release: 1.37.1's code relinked as v1.37.2 by hack/kube/build.sh --stand-in). */
export const VERSIONS = { deployed: '1.37.1', upgradeTo: '1.37.2' } as const;

/** The test environment's cache (hack/env/50-cluster.sh builds it). */
export const cacheDir = (): string => process.env.NKD_CACHE_DIR || join(homedir(), '.cache', 'nkd');

/** What the site is made of. */
export interface Site {
  work: string;
  machines: NspawnMachines;
  /** Release image references (stand-in OS images) by Kubernetes version. */
  osImages: Record<string, string>;
  /** The flannel manifest file. */
  cniManifest: string;
  /** Seconds each set-up step took. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

async function timed<T>(timings: Record<string, number>, what: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timings[what] = Math.round(performance.now() - t0) / 1000;
  }
}

/** Checks that hack/env/50-cluster.sh built what the test needs; throws naming the command otherwise. */
export function requireClusterArtifacts(): void {
  const c = cacheDir();
  const missing = [join(c, 'cluster', 'node-root', '.nkd-complete'), join(c, 'cluster', 'os-images.json')].filter((p) => !existsSync(p));
  for (const t of ['systemd-nspawn', 'docker-registry', 'skopeo']) if (!existsSync(`/usr/bin/${t}`)) missing.push(`/usr/bin/${t}`);
  if (missing.length) throw new Error(`the real-cluster test environment is missing (${missing.join(', ')}): run bash hack/env/50-cluster.sh`);
}

/** Creates the bridge, starts the registry and pushes every image; writes the flannel manifest. */
export async function startSite(work: string): Promise<Site> {
  requireClusterArtifacts();
  const timings: Record<string, number> = {};
  const root = packageRoot();
  await mkdir(work, { recursive: true });
  await chmod(work, 0o755); // Ignition writes SSH keys as the node's user, who must traverse the path
  const machines = new NspawnMachines({
    workDir: join(work, 'machines'),
    nodeRoot: join(cacheDir(), 'cluster', 'node-root'),
    bridge: SITE.bridge,
    gatewayCidr: `${SITE.gateway}/24`,
    cgroupGroup: 'nkd-e2e',
  });
  await machines.ensureBridge();
  // nspawn refuses to start without a tmpfs here when the host has no systemd (TESTING.md)
  let mountedNspawnDir = false;
  if ((await shTry(['mountpoint', '-q', '/run/systemd/nspawn'])).code !== 0) {
    await mkdir('/run/systemd/nspawn', { recursive: true });
    await sh(['mount', '-t', 'tmpfs', 'tmpfs', '/run/systemd/nspawn']);
    mountedNspawnDir = true;
  }
  // The registry's storage is the site's mirror, kept in the cache between runs (images.sh
  // pushes only what it lacks); nothing in it is the cluster's.
  const registryData = join(cacheDir(), 'cluster', 'registry');
  const registryPid = Number((await timed(timings, 'registry start', () => sh(['bash', join(root, 'hack/cluster/registry.sh'), 'start', registryData, SITE.registry]))).trim());
  const stop = async (): Promise<void> => {
    if (alive(registryPid)) await shTry(['bash', join(root, 'hack/cluster/registry.sh'), 'stop', String(registryPid)]);
    await machines.removeBridge();
    if (mountedNspawnDir) await shTry(['umount', '/run/systemd/nspawn']);
  };
  try {
    await timed(timings, 'images build and push', () => sh(['bash', join(root, 'hack/cluster/images.sh'), SITE.registry], { timeoutMs: 30 * 60_000 }));
    const cniManifest = join(work, 'flannel.yaml');
    await writeFile(cniManifest, await sh(['bash', join(root, 'hack/cluster/flannel-manifest.sh'), SITE.registry, SITE.podSubnet]));
    const digests = JSON.parse(await readFile(join(cacheDir(), 'cluster', 'os-images.json'), 'utf8')) as Record<string, string>;
    const osImages = Object.fromEntries(Object.entries(digests).map(([v, d]) => [v, `${SITE.registry}/nestos-standin@${d}`]));
    return { work, machines, osImages, cniManifest, timings, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The test's teardown: every machine left (a failed step leaves some), their cgroup, the site; its folder unless NKD_E2E_KEEP=1. */
export async function teardownSite(site: Site): Promise<void> {
  for (const name of (await shTry(['ls', site.machines.c.workDir])).out.split('\n').filter(Boolean)) await site.machines.remove(name).catch(() => undefined);
  await site.machines.removeGroup();
  await site.stop();
  if (process.env.NKD_E2E_KEEP !== '1') await rm(site.work, { recursive: true, force: true });
}

/** A node of the test cluster. */
export interface TestNode {
  name: string;
  role: 'control-plane' | 'worker';
  ip: string;
  mac: string;
}

/** The test cluster's nodes: 1 control plane, workers as asked. */
export function testNodes(workers: number): TestNode[] {
  return [
    { name: 'cp-1', role: 'control-plane', ip: '10.231.40.11', mac: '52:54:00:40:00:11' },
    ...Array.from({ length: workers }, (_, i): TestNode => ({ name: `worker-${i + 1}`, role: 'worker', ip: `10.231.40.${21 + i}`, mac: `52:54:00:40:00:${21 + i}` })),
  ];
}

/**
 * The cluster file of an air-gapped site: every image from the site's registry (plain HTTP),
 * the release image by digest, the flannel manifest; cgroup v1 (the hosts here boot it),
 * containerd's OOM score clamp (nothing here may lower an OOM score) and kube-proxy leaving the
 * conntrack limit alone (a system container may not set it): what nodes in system containers need.
 * `platform` is the platform and its section (default: libvirt, which the test provider stands in for).
 */
export function clusterFile(site: Site, nodes: Array<TestNode & { baremetal?: Record<string, unknown> }>, platform: Record<string, unknown> = { platform: 'libvirt', libvirt: { osImage: '/nonexistent/nestos.qcow2' } }): string {
  const doc = {
    apiVersion: 'nkd.nestos.openeuler.org/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'e2e' },
    spec: {
      ...platform,
      network: { cidr: SITE.cidr, gateway: SITE.gateway },
      nodes,
      kubernetes: {
        version: VERSIONS.deployed,
        imageRepository: SITE.registry,
        networking: { podSubnet: SITE.podSubnet },
        cni: { manifest: site.cniManifest },
        kubeProxy: { conntrackMaxPerCore: 0 }, // /proc/sys/net/netfilter is the host kernel's
      },
      containerRuntime: { insecureRegistries: [SITE.registry], restrictOOMScoreAdj: true },
      os: { releaseImage: site.osImages[VERSIONS.deployed], cgroupVersion: 'v1' },
      upgradeOperator: { enabled: true, image: `${SITE.registry}/nkd-operator:${NKD_VERSION}` },
      access: { sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl e2e@nkd'] },
    },
  };
  return yaml.dump(doc, { lineWidth: -1 });
}
