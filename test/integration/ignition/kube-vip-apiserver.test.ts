/**
 * The kube-vip static pod nkd writes is a Pod the real kube-apiserver accepts: its YAML, as
 * written, is POSTed raw (no client-side model that would drop unknown fields) with a
 * server-side dry run and strict field validation, which refuses unknown or misspelt fields.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { request, type RequestOptions } from 'node:https';
import yaml from 'js-yaml';
import { buildNodeIgnition } from '../../../pkg/node/assemble.js';
import { HOST } from '../../../pkg/host/paths.js';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { fileText } from '../../unit/ignition/decode.js';
import { extrasFor, SCENARIOS, scenarioConfig } from '../../unit/node/scenarios.js';

let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;

beforeAll(async () => {
  kc = new KubeConfig();
  kc.loadFromFile(await sharedKubeconfig());
  core = kc.makeApiClient(CoreV1Api);
  ns = uniqueNamespace('kube-vip');
  await core.createNamespace({ body: { metadata: { name: ns } } });
}, 240_000);

afterAll(async () => {
  await core?.deleteNamespace({ name: ns }).catch(() => undefined);
}, 60_000);

/** POSTs a raw Pod document with dryRun=All and fieldValidation=Strict; returns status and body. */
async function dryRunCreate(pod: object): Promise<{ status: number; body: string }> {
  const url = new URL(`${kc.getCurrentCluster()!.server}/api/v1/namespaces/${ns}/pods?dryRun=All&fieldValidation=Strict`);
  const opts: RequestOptions = { method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { 'content-type': 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(pod));
  });
}

describe('the kube-vip static pod', () => {
  test.each(['master-1', 'master-2'])("of %s passes the API server's strict validation", async (name) => {
    const config = await scenarioConfig(SCENARIOS.find((s) => s.name.includes('kube-vip'))!);
    const node = config.spec.nodes.find((n) => n.name === name)!;
    const pod = yaml.load(fileText(buildNodeIgnition(config, node, extrasFor(config, node)), HOST.kubeVipManifest)!) as { metadata: { namespace: string }; spec: object };
    pod.metadata.namespace = ns;
    const ok = await dryRunCreate(pod);
    expect({ status: ok.status, body: ok.status === 201 ? '' : ok.body }).toEqual({ status: 201, body: '' });
    // the check is not vacuous: a misspelt field is refused
    const bad = await dryRunCreate({ ...pod, spec: { ...pod.spec, hostNetwrok: true } });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('hostNetwrok');
  }, 60_000);
});
