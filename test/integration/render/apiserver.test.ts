/**
 * The rendered PKI and kubeconfigs really work: from the rendered CAs and service-account key
 * the real kubeadm makes master-1's leaf certificates (as on the node), etcd runs with them
 * (mutual TLS), a real kube-apiserver runs with them and the rendered service-account key, and
 * requests made with the rendered admin and super-admin kubeconfigs are authenticated.
 */
import { jest } from '@jest/globals';
import { request } from 'node:https';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { etcdBinary, kubeBinary } from '../../harness/controlplane.js';
import { freePort } from '../../harness/ports.js';
import { logTail, startDaemon, stopDaemon, type Daemon } from '../../harness/processes.js';
import { newestTestVersion } from '../../harness/versions.js';
import { nodeCertDir, renderHa, run } from './fixture.js';

jest.setTimeout(120_000);

interface Creds { ca: string; cert: string; key: string }

function https(url: string, creds: Creds, method = 'GET', body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // The rendered certificate names the cluster, not 127.0.0.1: check it against "kubernetes".
    const req = request(url, { method, ...creds, servername: 'kubernetes', timeout: 5000, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

function bearer(url: string, token: string, ca: string, method: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, servername: 'kubernetes', timeout: 5000, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function kubeconfigCreds(path: string): Promise<Creds> {
  const kc = yaml.load(await readFile(path, 'utf8')) as any;
  const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return { ca: b(kc.clusters[0].cluster['certificate-authority-data']), cert: b(kc.users[0].user['client-certificate-data']), key: b(kc.users[0].user['client-key-data']) };
}

async function waitFor(what: string, d: Daemon, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  let last = '';
  let exited = '';
  void d.exited.then((how) => (exited = how));
  while (Date.now() < end) {
    if (exited) throw new Error(`${what} exited (${exited}):\n${logTail(d, 40)}`);
    try {
      if (await probe()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${ms / 1000}s (${last}):\n${logTail(d, 40)}`);
}

const version = newestTestVersion();
const daemons: Daemon[] = [];
let root: string;
let server: string;
let auth: string;

beforeAll(async () => {
  const apiserverBin = kubeBinary('kube-apiserver', version);
  const etcdBin = etcdBinary();
  ({ root } = await renderHa(version));
  const dir = join(root, 'cluster');
  // As on the node: kubeadm makes master-1's leaf certificates from the rendered CAs.
  const { pki, config } = await nodeCertDir(dir, 'master-1', '10.231.0.11', root);
  await run(kubeBinary('kubeadm', version), ['init', 'phase', 'certs', 'all', '--config', config]);
  const own = pki;
  auth = join(dir, 'auth');
  await mkdir(join(root, 'etcd'), { mode: 0o700 });
  const [client, peer, api] = [await freePort(), await freePort(), await freePort()];
  const etcd = startDaemon('etcd', etcdBin, [
    '--name=master-1', `--data-dir=${join(root, 'etcd')}`,
    `--listen-client-urls=https://127.0.0.1:${client}`, `--advertise-client-urls=https://127.0.0.1:${client}`,
    `--listen-peer-urls=https://127.0.0.1:${peer}`, `--initial-advertise-peer-urls=https://127.0.0.1:${peer}`,
    `--initial-cluster=master-1=https://127.0.0.1:${peer}`, '--initial-cluster-state=new',
    `--cert-file=${own}/etcd/server.crt`, `--key-file=${own}/etcd/server.key`, '--client-cert-auth', `--trusted-ca-file=${pki}/etcd/ca.crt`,
    `--peer-cert-file=${own}/etcd/peer.crt`, `--peer-key-file=${own}/etcd/peer.key`, '--peer-client-cert-auth', `--peer-trusted-ca-file=${pki}/etcd/ca.crt`,
    '--logger=zap', '--log-outputs=stderr',
  ], join(root, 'etcd.log'));
  daemons.push(etcd);
  const health: Creds = {
    ca: await readFile(`${pki}/etcd/ca.crt`, 'utf8'),
    cert: await readFile(`${pki}/etcd/healthcheck-client.crt`, 'utf8'),
    key: await readFile(`${pki}/etcd/healthcheck-client.key`, 'utf8'),
  };
  await waitFor('etcd', etcd, 30_000, async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`https://127.0.0.1:${client}/health`, { ...health, timeout: 3000 }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
      });
      req.on('error', reject);
      req.end();
    });
    return r.status === 200 && r.body.includes('true');
  });

  server = `https://127.0.0.1:${api}`;
  const apiserver = startDaemon('kube-apiserver', apiserverBin, [
    `--etcd-servers=https://127.0.0.1:${client}`,
    `--etcd-cafile=${pki}/etcd/ca.crt`, `--etcd-certfile=${pki}/apiserver-etcd-client.crt`, `--etcd-keyfile=${pki}/apiserver-etcd-client.key`,
    // The advertised address is only recorded (no reconciler, no traffic): master-1's.
    '--bind-address=127.0.0.1', '--advertise-address=10.231.0.11', '--endpoint-reconciler-type=none', `--secure-port=${api}`, `--cert-dir=${join(root, 'apiserver-certs')}`,
    `--tls-cert-file=${own}/apiserver.crt`, `--tls-private-key-file=${own}/apiserver.key`,
    `--client-ca-file=${pki}/ca.crt`,
    `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`, `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
    `--proxy-client-cert-file=${pki}/front-proxy-client.crt`, `--proxy-client-key-file=${pki}/front-proxy-client.key`,
    `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`, '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.96.0.0/12', '--authorization-mode=Node,RBAC', '--profiling=false', '--v=1',
    '--enable-bootstrap-token-auth',
  ], join(root, 'kube-apiserver.log'));
  daemons.push(apiserver);
  const superAdmin = await kubeconfigCreds(join(auth, 'super-admin.conf'));
  await waitFor('kube-apiserver', apiserver, 180_000, async () => (await https(`${server}/readyz`, superAdmin)).status === 200);
}, 300_000);

afterAll(async () => {
  for (const d of daemons.reverse()) await stopDaemon(d);
  if (root) await rm(root, { recursive: true, force: true });
});

describe(`a real kube-apiserver ${version} with the rendered PKI`, () => {
  test('super-admin.conf (system:masters) can read kube-system', async () => {
    const r = await https(`${server}/api/v1/namespaces/kube-system`, await kubeconfigCreds(join(auth, 'super-admin.conf')));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).metadata.name).toBe('kube-system');
  });

  test('admin.conf authenticates as kubernetes-admin in kubeadm:cluster-admins', async () => {
    const r = await https(`${server}/apis/authentication.k8s.io/v1/selfsubjectreviews`, await kubeconfigCreds(join(auth, 'admin.conf')), 'POST',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(r.status).toBe(201);
    const user = JSON.parse(r.body).status.userInfo;
    expect(user.username).toBe('kubernetes-admin');
    expect(user.groups).toEqual(expect.arrayContaining(['kubeadm:cluster-admins', 'system:authenticated']));
  });

  test('the rendered bootstrap token, once its Secret exists, authenticates as a kubeadm bootstrapper', async () => {
    const { bootstrapTokenSecret } = await import('../../../pkg/pki/token.js');
    const token = (await readFile(join(root, 'cluster', 'auth', 'bootstrap-token'), 'utf8')).trim();
    const superAdmin = await kubeconfigCreds(join(auth, 'super-admin.conf'));
    const created = await https(`${server}/api/v1/namespaces/kube-system/secrets`, superAdmin, 'POST', bootstrapTokenSecret(token, '1h', new Date()));
    expect(created.status).toBe(201);
    const r = await bearer(`${server}/apis/authentication.k8s.io/v1/selfsubjectreviews`, token, superAdmin.ca, 'POST',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(r.status).toBe(201);
    const user = JSON.parse(r.body).status.userInfo;
    expect(user.username).toBe(`system:bootstrap:${token.split('.')[0]}`);
    expect(user.groups).toEqual(expect.arrayContaining(['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token']));
  });

  test("the rendered admin kubeconfig's CA is the CA that signed the serving certificate", async () => {
    const creds = await kubeconfigCreds(join(auth, 'admin.conf'));
    expect(creds.ca).toBe(await readFile(join(root, 'cluster', 'pki', 'ca.crt'), 'utf8'));
    // https() verifies the server against that CA: a 401/403/200 (not a TLS error) proves it.
    expect([200, 401, 403]).toContain((await https(`${server}/version`, creds)).status);
  });
});
