import { request } from 'node:https';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { etcdBinary, kubeBinary } from './binaries.js';
import { generateTestPki, writeAdminKubeconfig } from './certs.js';
import { freePort } from './ports.js';
import { logTail, onAbnormalExit, startDaemon, stopDaemon, type Daemon } from './processes.js';
import { newestTestVersion } from './versions.js';

export { kubeBinary, etcdBinary, kubeCacheDir } from './binaries.js';
export type { KubeBinaryName } from './binaries.js';

/** Options of startControlPlane. */
export interface ControlPlaneOptions {
  /** Kubernetes version (default: the newest of pkg/versions/kubernetes.json testVersions). */
  version?: string;
  /** Also run kube-controller-manager (PDB status, garbage collection, namespace deletion). */
  controllerManager?: boolean;
  /** Folder for certificates, data and logs (kept after stop); default: a temp folder removed on stop. */
  dir?: string;
}

/** A running etcd + kube-apiserver (+ kube-controller-manager) on loopback. */
export interface ControlPlane {
  /** Admin kubeconfig (system:masters client certificate, 0600). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Kubernetes version, e.g. 1.37.1. */
  version: string;
  /** Folder holding the kube binaries of this version. */
  binDir: string;
  /** Stops every daemon by PID (idempotent) and removes the temp folder it created. */
  stop(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Client TLS material for probing kube-apiserver; undefined probes a self-signed endpoint. */
type ProbeTls = { ca: Buffer; cert: Buffer; key: Buffer } | undefined;

function httpsGet(url: string, tls: ProbeTls): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(tls ?? { rejectUnauthorized: false }), timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, daemon: Daemon, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void daemon.exited.then((how) => (exited = how));
  let last = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited (${exited}) before it was ready; log ${daemon.logPath}:\n${logTail(daemon)}`);
    try {
      if (await probe()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s (${last}); log ${daemon.logPath}:\n${logTail(daemon)}`);
}

/**
 * Starts etcd and kube-apiserver on loopback (free ports, generated certificates), optionally
 * kube-controller-manager, and waits for /readyz. On any failure everything started is stopped.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const version = (opts.version ?? newestTestVersion()).replace(/^v/, '');
  const apiserverBin = kubeBinary('kube-apiserver', version);
  const kcmBin = opts.controllerManager ? kubeBinary('kube-controller-manager', version) : undefined;
  const etcdBin = etcdBinary();
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'nkd-kube-')));
  await mkdir(join(dir, 'pki'), { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'etcd'), { recursive: true, mode: 0o700 });
  const daemons: Daemon[] = [];
  let stopped = false;
  // If the process exits or is signalled without stop(), the daemons are killed and then the
  // temp dir is removed (processes.ts).
  const forget = ownDir ? onAbnormalExit(() => rmSync(dir, { recursive: true, force: true })) : () => false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const d of [...daemons].reverse()) await stopDaemon(d);
    forget();
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const pki = await generateTestPki(join(dir, 'pki'));
    const adminTls: ProbeTls = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };

    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = startDaemon('etcd', etcdBin, [
      '--name=nkd-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=nkd-test=${peerUrl}`,
      '--initial-cluster-state=new',
      '--quota-backend-bytes=2147483648',
      '--logger=zap',
      '--log-outputs=stderr',
    ], join(dir, 'etcd.log'));
    daemons.push(etcd);
    await waitFor('etcd', etcd, 30_000, async () => {
      const res = await fetch(`${etcdUrl}/health`);
      return res.ok && (await res.text()).includes('true');
    });

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startDaemon('kube-apiserver', apiserverBin, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // No kubernetes Service endpoints: they may not point at loopback, and nothing here needs them.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/12',
      '--authorization-mode=Node,RBAC',
      // Pods created by tests must not wait for the "default" ServiceAccount to appear.
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ], join(dir, 'kube-apiserver.log'));
    daemons.push(apiserver);
    await waitFor('kube-apiserver', apiserver, 120_000, async () => {
      const res = await httpsGet(`${server}/readyz`, adminTls);
      return res.status === 200;
    });

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeAdminKubeconfig(kubeconfigPath, server, pki);

    if (kcmBin) {
      const kcmPort = await freePort();
      const kcm = startDaemon('kube-controller-manager', kcmBin, [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, 'kcm-certs')}`,
        '--leader-elect=false',
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        '--use-service-account-credentials=false',
        // No kubelets here: these controllers would taint test Nodes and evict their Pods.
        '--controllers=*,-node-lifecycle-controller,-taint-eviction-controller',
        '--v=1',
      ], join(dir, 'kube-controller-manager.log'));
      daemons.push(kcm);
      await waitFor('kube-controller-manager', kcm, 60_000, async () => {
        const res = await httpsGet(`https://127.0.0.1:${kcmPort}/healthz`, undefined);
        return res.status === 200;
      });
    }

    return { kubeconfigPath, server, version, binDir: dirname(apiserverBin), stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
