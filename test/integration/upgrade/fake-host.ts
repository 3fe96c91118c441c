/**
 * A fake NestOS host for the agent: implements the HostExecutor interface, records every
 * command, models rpm-ostree deployments, boot IDs and reboots, and injects faults. Named a
 * fake because no real rpm-ostree host can run in the test environment.
 */
import type { ExecResult, HostExecutor } from '../../../pkg/upgrade/agent/executor.js';

interface FakeDeployment { checksum: string; image: string; staged: boolean }

/** Faults the fake host can inject. */
export interface HostFaults {
  rebaseFails?: boolean;
  kubeadmFails?: boolean;
  /** The next reboot comes up in the old deployment. */
  bootIntoOld?: boolean;
  /** `systemctl reboot` exits by a signal (the shutdown killed it), whether or not the host goes down. */
  rebootCommandKilled?: boolean;
}

let seq = 0;
const checksumOf = (image: string) => Buffer.from(image).toString('hex').slice(-16).padStart(16, '0');

/** The fake host. */
export class FakeHost implements HostExecutor {
  readonly commands: string[][] = [];
  bootId: string;
  /** Deployments in boot order: [0] is the default for the next boot. */
  deployments: FakeDeployment[];
  booted: string;
  kubeletVersion: string;
  faults: HostFaults = {};
  /** The host mounts cgroup v1 (a tmpfs of hierarchies) instead of the unified hierarchy. */
  cgroupV1 = false;
  rebootRequested = false;
  /** Called when the agent asks for a reboot (the integration simulator plays it). */
  onReboot?: () => void;

  constructor(readonly name: string, image: string, kubeletVersion: string, private readonly kubeletOf: (image: string) => string = () => kubeletVersion) {
    this.bootId = `${name}-boot-${seq++}`;
    this.deployments = [{ checksum: checksumOf(image), image, staged: false }];
    this.booted = checksumOf(image);
    this.kubeletVersion = kubeletVersion;
  }

  /** The image the host runs. */
  get bootedImage(): string { return this.deployments.find((d) => d.checksum === this.booted)?.image ?? ''; }

  private ok(stdout = ''): ExecResult { return { code: 0, stdout, stderr: '' }; }

  async run(argv: string[]): Promise<ExecResult> {
    this.commands.push(argv);
    const cmd = argv.join(' ');
    if (cmd === 'cat /proc/sys/kernel/random/boot_id') return this.ok(this.bootId + '\n');
    if (cmd === 'stat -f -c %T /sys/fs/cgroup') return this.ok(this.cgroupV1 ? 'tmpfs\n' : 'cgroup2fs\n');
    if (cmd === 'rpm-ostree status --json') {
      return this.ok(JSON.stringify({
        deployments: this.deployments.map((d) => ({ checksum: d.checksum, booted: d.checksum === this.booted, staged: d.staged, 'container-image-reference': `ostree-unverified-registry:${d.image}` })),
      }));
    }
    if (argv[0] === 'rpm-ostree' && argv[1] === 'rebase') {
      if (this.faults.rebaseFails) return { code: 1, stdout: '', stderr: 'error: Creating importer: failed to invoke method OpenImage: manifest unknown' };
      const image = (argv[2] ?? '').replace(/^ostree-unverified-registry:/, '');
      const cur = this.deployments.find((d) => d.checksum === this.booted) as FakeDeployment;
      this.deployments = [{ checksum: checksumOf(image), image, staged: true }, cur];
      return this.ok();
    }
    if (cmd === 'rpm-ostree rollback') {
      const [a, b, ...rest] = this.deployments;
      if (!a || !b) return { code: 1, stdout: '', stderr: 'error: No rollback deployment found' };
      this.deployments = [b, a, ...rest];
      return this.ok();
    }
    if (argv[0] === 'sh' && cmd.includes('ostree cat')) return this.ok();
    if (/kubeadm/.test(argv[0] ?? '') && argv[1] === 'upgrade') {
      if (this.faults.kubeadmFails) return { code: 1, stdout: '', stderr: '[upgrade/apply] FATAL: the cluster is not healthy' };
      return this.ok();
    }
    if (cmd === 'systemctl restart kubelet.service') return this.ok();
    if (cmd === 'systemctl reboot') {
      this.rebootRequested = true;
      this.onReboot?.();
      return this.faults.rebootCommandKilled ? { code: 1, stdout: '', stderr: '' } : this.ok();
    }
    return { code: 127, stdout: '', stderr: `fake host: unknown command: ${cmd}` };
  }

  /** Completes a requested reboot: a new boot ID and the default deployment booted (or the old one, as a fault). */
  completeReboot(): void {
    this.rebootRequested = false;
    this.bootId = `${this.name}-boot-${seq++}`;
    const next = this.faults.bootIntoOld ? this.deployments.find((d) => d.checksum === this.booted) : this.deployments[0];
    this.booted = (next as FakeDeployment).checksum;
    this.deployments = this.deployments.map((d) => ({ ...d, staged: false }));
    this.faults.bootIntoOld = false;
    this.kubeletVersion = this.kubeletOf(this.bootedImage);
  }

  /** The recorded commands as strings, without the inspection commands. */
  actions(): string[] {
    return this.commands.map((c) => c.join(' ')).filter((c) => !c.startsWith('cat /proc') && !c.startsWith('stat -f') && c !== 'rpm-ostree status --json');
  }
}
