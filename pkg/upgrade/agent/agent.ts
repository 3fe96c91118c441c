/**
 * The node agent's reconcile of its NodeUpgrade: performs the host steps in order, writes each
 * step to status.host only after it succeeded, survives its own restart and the host's reboot
 * (by comparing boot IDs), and rolls back when the operator asks for it.
 */
import type { UpgradeApi } from '../kube/upgrade-api.js';
import { isConflict } from '../kube/upgrade-api.js';
import type { HostReport, NodeUpgrade } from '../api/types.js';
import { Annotation, HostPhase, HostStep } from '../api/vocabulary.js';
import { WrittenObjects } from '../kube/written.js';
import type { HostExecutor } from './executor.js';
import * as steps from './host-steps.js';

/**
 * How long a requested reboot may take to show as a new boot ID before the agent asks again. A
 * `systemctl reboot` whose command fails may still have taken the host down (the shutdown kills
 * the command on its way), so a failed request is not a failed upgrade: the boot ID decides.
 */
const REBOOT_RETRY_MS = 3 * 60_000;
/** Reboot requests (this process's and restarted agents' together) before the node fails. */
const REBOOT_REQUESTS = 5;

/** The node agent for one host. */
export class NodeAgent {
  /** True until the first sync after start (a pending reboot is re-issued then). */
  private fresh = true;
  /** The boot ID and image this process last annotated its Node with. */
  private reported?: string;
  /** What the agent wrote (its informer may lag). */
  private readonly written = new WrittenObjects<NodeUpgrade>();

  constructor(
    private readonly api: UpgradeApi,
    private readonly exec: HostExecutor,
    readonly nodeName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Annotates the Node with the boot ID and booted image (at start and after each boot). */
  async reportNode(): Promise<void> {
    const id = await steps.bootId(this.exec);
    const b = await steps.booted(this.exec);
    const report = `${id} ${b?.image ?? ''}`;
    if (report === this.reported) return; // this process reported this boot already
    await this.api.mergePatchNode(this.nodeName, {
      metadata: { annotations: { [Annotation.bootId]: id, [Annotation.bootedImage]: b?.image ?? null } },
    });
    this.reported = report;
  }

  /** Writes status.host of the NodeUpgrade (re-reading on conflict: the agent owns only status.host). */
  private async writeHost(nu: NodeUpgrade, host: HostReport): Promise<NodeUpgrade> {
    let cur = nu;
    for (let i = 0; i < 5; i++) {
      try {
        const out = await this.api.replaceNodeUpgradeStatus({ ...cur, status: { ...cur.status, host: { ...host, updatedAt: this.now().toISOString() } } });
        this.written.remember(out, nu.metadata.resourceVersion);
        this.written.remember(out, cur.metadata.resourceVersion);
        return out;
      } catch (e) {
        if (!isConflict(e)) throw e;
        const fresh = await this.api.getNodeUpgrade(nu.metadata.name);
        if (!fresh) throw new Error(`NodeUpgrade ${nu.metadata.name} was deleted`);
        cur = fresh;
      }
    }
    throw new Error(`NodeUpgrade ${nu.metadata.name}: status write kept conflicting`);
  }

  /** Moves the NodeUpgrade's host work forward as far as it can; returns the latest object. */
  async sync(input: NodeUpgrade): Promise<NodeUpgrade> {
    const fresh = this.fresh;
    this.fresh = false;
    // A cached object older than our own last write is stale: continue from what we wrote.
    let nu = this.written.resolve(input.metadata.name, input) ?? input;
    const spec = nu.spec;
    if (spec.nodeName !== this.nodeName) return nu;
    const attempt = spec.attempt ?? 1;
    let host: HostReport = nu.status?.host ?? {};
    if ((host.attempt ?? 1) !== attempt || !host.phase) host = { phase: HostPhase.idle, attempt, completedSteps: [] };
    const done = new Set(host.completedSteps ?? []);
    const mark = async (step: string, extra: Partial<HostReport> = {}) => {
      done.add(step);
      host = { ...host, ...extra, completedSteps: [...done] };
      nu = await this.writeHost(nu, host);
    };
    const fail = async (step: string, err: unknown) => {
      host = { ...host, phase: HostPhase.failed, step, message: `${step}: ${(err as Error).message}` };
      nu = await this.writeHost(nu, host);
    };

    if (spec.rollback) return this.syncRollback(nu, host, fresh);
    if (!spec.hostSteps) return nu;
    if (host.phase === HostPhase.done || host.phase === HostPhase.failed || host.phase === HostPhase.rolledBack) return nu;

    if (host.phase === HostPhase.rebooting) {
      const id = await steps.bootId(this.exec);
      if (id === host.preRebootBootId) {
        // the agent restarted before the host went down, or the host did not go down in time
        return fresh || this.rebootOverdue(host) ? this.requestReboot(nu, host) : nu;
      }
      const b = await steps.booted(this.exec);
      await this.reportNode();
      if (spec.osImage && b?.image !== spec.osImage) {
        host = { ...host, phase: HostPhase.failed, step: HostStep.reboot, bootId: id, bootedImage: b?.image, bootedDeployment: b?.checksum, message: `booted ${b?.image ?? 'an unknown image'} instead of ${spec.osImage} (the new deployment did not boot)` };
        return this.writeHost(nu, host);
      }
      await mark(HostStep.reboot, { phase: HostPhase.done, step: undefined, bootId: id, bootedImage: b?.image, bootedDeployment: b?.checksum, message: 'booted the target' });
      return nu;
    }

    try {
      if (host.phase !== HostPhase.running) { host = { ...host, phase: HostPhase.running }; }
      let needReboot = false;
      let staged: string | undefined;
      if (spec.osImage) {
        if (!done.has(HostStep.rebase)) {
          host = { ...host, step: HostStep.rebase };
          try { needReboot = await steps.rebase(this.exec, spec.osImage); } catch (e) { await fail(HostStep.rebase, e); return nu; }
          await mark(HostStep.rebase);
        }
        const ds = await steps.deployments(this.exec);
        needReboot = ds.find((d) => d.booted)?.image !== spec.osImage;
        staged = needReboot ? ds.find((d) => !d.booted && d.image === spec.osImage)?.checksum : undefined;
      }
      const action = spec.kubeadmAction ?? 'none';
      if (action !== 'none' && spec.kubernetesVersion && !done.has(HostStep.kubeadm)) {
        host = { ...host, step: HostStep.kubeadm };
        try { await steps.kubeadmUpgrade(this.exec, action, spec.kubernetesVersion, staged); } catch (e) { await fail(HostStep.kubeadm, e); return nu; }
        await mark(HostStep.kubeadm);
      }
      const id = await steps.bootId(this.exec);
      if (needReboot) {
        return this.requestReboot(nu, { ...host, phase: HostPhase.rebooting, step: HostStep.reboot, preRebootBootId: id, rebootRequests: 0 });
      }
      if (spec.kubernetesVersion && !done.has(HostStep.kubeletRestart)) {
        host = { ...host, step: HostStep.kubeletRestart };
        try { await steps.restartKubelet(this.exec); } catch (e) { await fail(HostStep.kubeletRestart, e); return nu; }
        done.add(HostStep.kubeletRestart);
      }
      const b = spec.osImage ? await steps.booted(this.exec) : undefined;
      host = { ...host, phase: HostPhase.done, step: undefined, bootId: id, bootedImage: b?.image, bootedDeployment: b?.checksum, completedSteps: [...done], message: 'host steps done' };
      return await this.writeHost(nu, host);
    } catch (e) {
      await fail(host.step ?? 'inspect', e);
      return nu;
    }
  }

  private async syncRollback(nu: NodeUpgrade, host: HostReport, fresh: boolean): Promise<NodeUpgrade> {
    if (host.phase === HostPhase.rolledBack) return nu;
    const target = nu.spec.osImage;
    const id = await steps.bootId(this.exec);
    const inRollback = host.step === HostStep.rollback && !!host.preRebootBootId;
    if (inRollback && id !== host.preRebootBootId) {
      const b = await steps.booted(this.exec);
      await this.reportNode();
      const ok = b?.image !== target;
      return this.writeHost(nu, {
        ...host, phase: ok ? HostPhase.rolledBack : HostPhase.failed, bootId: id, bootedImage: b?.image, bootedDeployment: b?.checksum,
        completedSteps: ok ? [...(host.completedSteps ?? []), HostStep.rollback] : host.completedSteps,
        message: ok ? `rolled back to ${b?.image ?? 'the previous deployment'}` : 'rollback: the host booted the target again',
      });
    }
    if (!inRollback) {
      const b = await steps.booted(this.exec);
      if (b?.image !== target) {
        // Never booted the target: nothing to roll back from.
        return this.writeHost(nu, { ...host, phase: HostPhase.rolledBack, bootId: id, bootedImage: b?.image, bootedDeployment: b?.checksum, message: 'already on the previous deployment' });
      }
      host = { ...host, phase: HostPhase.running, step: HostStep.rollback, preRebootBootId: id, rebootRequests: 0 };
      nu = await this.writeHost(nu, host);
    } else if (!fresh && !this.rebootOverdue(host)) {
      return nu; // reboot already requested
    }
    try {
      // Idempotent: roll back only while the target is still the default (first) deployment.
      if ((await steps.deployments(this.exec))[0]?.image === target) await steps.rollback(this.exec);
    } catch (e) {
      return this.writeHost(nu, { ...host, phase: HostPhase.failed, step: HostStep.rollback, message: `rollback: ${(e as Error).message}` });
    }
    return this.requestReboot(nu, host);
  }

  /** Whether the last reboot request is older than {@link REBOOT_RETRY_MS} (the host is still on the same boot). */
  private rebootOverdue(host: HostReport): boolean {
    const at = host.rebootRequestedAt ? Date.parse(host.rebootRequestedAt) : NaN;
    return !Number.isFinite(at) || this.now().getTime() - at >= REBOOT_RETRY_MS;
  }

  /**
   * Records a reboot request (the old boot ID is already in `host`), then asks the host to
   * reboot. A failing `systemctl reboot` is recorded, not fatal: the next boot ID tells whether
   * the host went down. After {@link REBOOT_REQUESTS} requests on the same boot the node fails.
   */
  private async requestReboot(nu: NodeUpgrade, host: HostReport): Promise<NodeUpgrade> {
    const requests = (host.rebootRequests ?? 0) + 1;
    if (requests > REBOOT_REQUESTS) {
      return this.writeHost(nu, {
        ...host, phase: HostPhase.failed, bootId: host.preRebootBootId,
        message: `the host did not reboot: still on boot ${host.preRebootBootId} after ${REBOOT_REQUESTS} reboot requests${host.message ? ` (last: ${host.message})` : ''}`,
      });
    }
    const asked: HostReport = { ...host, rebootRequests: requests, rebootRequestedAt: this.now().toISOString(), message: `reboot requested (${requests}/${REBOOT_REQUESTS})` };
    nu = await this.writeHost(nu, asked); // before the host goes down
    try {
      await steps.reboot(this.exec);
    } catch (e) {
      // The host may be going down already; the API server may be out of reach for this write.
      nu = await this.writeHost(nu, { ...asked, message: `reboot requested (${requests}/${REBOOT_REQUESTS}); ${(e as Error).message}` }).catch(() => nu);
    }
    return nu;
  }
}
