import { jest } from '@jest/globals';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { applyObjects } from '../../../pkg/kube/apply.js';
import { installCrds } from '../../../pkg/kube/crd.js';
import { parseManifests } from '../../../pkg/kube/manifests.js';
import { waitForApi } from '../../../pkg/kube/wait.js';
import { ExitCode } from '../../../pkg/ui/errors.js';

// jest ignores a project-level testTimeout: every test here may wait on real daemons.
jest.setTimeout(120_000);

let kc: KubeConfig;
beforeAll(async () => {
  kc = new KubeConfig();
  kc.loadFromFile(await sharedKubeconfig());
}, 300_000);

/** GET a path as the API server's own JSON (client-node's models would rename fields). */
async function rawGet(path: string): Promise<string> {
  const { request } = await import('node:https');
  const opts: import('node:https').RequestOptions = { method: 'GET' };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${kc.getCurrentCluster()?.server}${path}`), opts, (res) => {
      let t = '';
      res.setEncoding('utf8').on('data', (c: string) => (t += c)).on('end', () => resolve(t));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server-side apply against a real kube-apiserver', () => {
  it('keeps fields whose JSON names client-node models rename (x-kubernetes-int-or-string) and waits for the CRD to be Established', async () => {
    const group = `${uniqueNamespace('t')}.nkd.test`;
    const [crd] = parseManifests(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group} }
spec:
  group: ${group}
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: { x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}] }
`, 'crd.yaml');
    const api = kc.makeApiClient(ApiextensionsV1Api);
    try {
      await installCrds(kc, [crd!], { timeoutMs: 30_000 });
      const raw = JSON.parse(await rawGet(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`));
      expect(raw.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size).toEqual({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
      expect(raw.status.conditions.find((c: { type: string }) => c.type === 'Established')?.status).toBe('True');
    } finally {
      await api.deleteCustomResourceDefinition({ name: `widgets.${group}` }).catch(() => undefined);
    }
  });

  it('is idempotent and takes over fields another manager set (force)', async () => {
    const ns = uniqueNamespace('apply');
    const core = kc.makeApiClient(CoreV1Api);
    try {
      const objs = parseManifests(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ${ns}}\ndata: {k: one}\n`, 'm.yaml');
      expect(await applyObjects(kc, objs)).toEqual([`Namespace ${ns}`, `ConfigMap ${ns}/c`]);
      const theirs = await core.readNamespacedConfigMap({ name: 'c', namespace: ns });
      await core.replaceNamespacedConfigMap({ name: 'c', namespace: ns, body: { ...theirs, data: { k: 'theirs' } }, fieldManager: 'someone-else' });
      await applyObjects(kc, objs);
      await applyObjects(kc, objs);
      const cm = await core.readNamespacedConfigMap({ name: 'c', namespace: ns });
      expect(cm.data).toEqual({ k: 'one' });
    } finally {
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  });

  it('names the object and the API server\'s reason when an apply is rejected', async () => {
    const objs = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: default}\n', 'bad.yaml');
    await expect(applyObjects(kc, objs, { source: 'bad.yaml' })).rejects.toThrow(/^applying ConfigMap default\/Bad_Name from bad\.yaml: .*Bad_Name/);
  });

  it('waits for the API server and reports its version; times out with exit code 3 on a dead endpoint', async () => {
    await expect(waitForApi(kc, { timeoutMs: 10_000 })).resolves.toMatch(/^v1\.\d+\.\d+/);
    const dead = new KubeConfig();
    dead.loadFromOptions({
      clusters: [{ name: 'x', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'x' }], contexts: [{ name: 'x', cluster: 'x', user: 'x' }], currentContext: 'x',
    });
    await expect(waitForApi(dead, { timeoutMs: 500, intervalMs: 100 })).rejects.toMatchObject({
      code: ExitCode.Timeout,
      message: expect.stringMatching(/^the API server at https:\/\/127\.0\.0\.1:1 did not answer within 1 s/),
    });
  });
});
