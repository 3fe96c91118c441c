import { jest } from '@jest/globals';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1ClusterRole, type V1ClusterRoleBinding, type V1ValidatingAdmissionPolicy, type V1ValidatingAdmissionPolicyBinding } from '@kubernetes/client-node';
import { ClientNodeApi, isConflict, statusOf } from '../../../pkg/upgrade/kube/upgrade-api.js';
import { AGENT_POLICY, agentConfinement, operatorManifests } from '../../../pkg/upgrade/install/manifests.js';
import type { NodeUpgrade } from '../../../pkg/upgrade/api/types.js';
import { API_VERSION } from '../../../pkg/upgrade/api/vocabulary.js';
import { sharedKubeconfig, uniqueNamespace } from '../../harness/shared.js';
import { installCrds, kubeConfig } from './sim-cluster.js';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const AGENT = 'nkd-upgrade-agent';

async function createOrReplace<T extends { metadata?: { name?: string; resourceVersion?: string } }>(create: () => Promise<unknown>, read: () => Promise<T>, replace: (body: T) => Promise<unknown>, body: T): Promise<void> {
  try { await create(); } catch (e) {
    if (!isConflict(e)) throw e;
    const cur = await read();
    await replace({ ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } });
  }
}

/** The error message of a refused request, or undefined when it went through. */
async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try { await p; return undefined; } catch (e) {
    if (statusOf(e) !== 403 && statusOf(e) !== 422) throw e;
    return String((e as { body?: unknown }).body ?? (e as Error).message);
  }
}

describe('the agent confinement policy on a real API server', () => {
  it('lets an agent token bound to a Pod change only its own Node\'s annotations and its own NodeUpgrade status', async () => {
    const path = await sharedKubeconfig();
    const admin = kubeConfig(path);
    await installCrds(admin);
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const adm = admin.makeApiClient(AdmissionregistrationV1Api);
    const ns = uniqueNamespace('confine');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: AGENT } } });

    // the shipped agent RBAC and policy, bound to this namespace's ServiceAccount
    const objs = operatorManifests({ namespace: ns, image: 'nkd:test' }) as { kind: string; metadata: { name: string } }[];
    const role = objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name === AGENT) as V1ClusterRole;
    const binding = objs.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === AGENT) as V1ClusterRoleBinding;
    await createOrReplace(() => rbac.createClusterRole({ body: role }), () => rbac.readClusterRole({ name: AGENT }), (b) => rbac.replaceClusterRole({ name: AGENT, body: b }), role);
    await createOrReplace(() => rbac.createClusterRoleBinding({ body: binding }), () => rbac.readClusterRoleBinding({ name: AGENT }), (b) => rbac.replaceClusterRoleBinding({ name: AGENT, body: b }), binding);
    const [policy, policyBinding] = agentConfinement(ns) as [V1ValidatingAdmissionPolicy, V1ValidatingAdmissionPolicyBinding];
    await createOrReplace(() => adm.createValidatingAdmissionPolicy({ body: policy }), () => adm.readValidatingAdmissionPolicy({ name: AGENT_POLICY }), (b) => adm.replaceValidatingAdmissionPolicy({ name: AGENT_POLICY, body: b }), policy);
    await createOrReplace(() => adm.createValidatingAdmissionPolicyBinding({ body: policyBinding }), () => adm.readValidatingAdmissionPolicyBinding({ name: AGENT_POLICY }), (b) => adm.replaceValidatingAdmissionPolicyBinding({ name: AGENT_POLICY, body: b }), policyBinding);

    // two nodes; the agent's Pod runs on the first; its token is bound to that Pod
    const own = `${ns}-own`;
    const other = `${ns}-other`;
    for (const name of [own, other]) await core.createNode({ body: { metadata: { name } } });
    const pod = await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'agent' }, spec: { nodeName: own, serviceAccountName: AGENT, containers: [{ name: 'agent', image: 'nkd:test' }] } } });
    const tr = await core.createNamespacedServiceAccountToken({ name: AGENT, namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'agent', uid: pod.metadata?.uid } } } });
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error('no cluster in the admin kubeconfig');
    const agentKc = new KubeConfig();
    agentKc.loadFromOptions({ clusters: [cluster], users: [{ name: 'agent', token: tr.status?.token }], contexts: [{ name: 'agent', cluster: cluster.name, user: 'agent' }], currentContext: 'agent' });
    const agent = new ClientNodeApi(agentKc, AGENT);
    const adminApi = new ClientNodeApi(admin);

    const record = async (node: string): Promise<NodeUpgrade> => adminApi.createNodeUpgrade({
      apiVersion: API_VERSION, kind: 'NodeUpgrade', metadata: { name: `${ns}.${node}` },
      spec: { upgrade: ns, nodeName: node, stage: 'workers', kubeadmAction: 'none', hostSteps: true, rollback: false, attempt: 1 },
    });
    const [ownRec, otherRec] = [await record(own), await record(other)];
    const annotate = (node: string) => agent.mergePatchNode(node, { metadata: { annotations: { 'upgrade.nkd.nestos.openeuler.org/boot-id': 'b-1' } } });

    // the policy takes a moment to be enforced after it is created
    let refused: string | undefined;
    for (let i = 0; i < 100 && !refused; i++) { refused = await refusal(annotate(other)); if (!refused) await sleep(200); }
    expect(refused).toContain(`the nkd upgrade agent on ${own} may change only its own Node and NodeUpgrades, not ${other}`);

    expect(await refusal(annotate(own))).toBeUndefined();
    expect(await refusal(agent.mergePatchNode(own, { spec: { unschedulable: true } }))).toContain('may change only annotations of its Node');
    expect(await refusal(agent.mergePatchNode(own, { metadata: { labels: { role: 'x' } } }))).toContain('may change only annotations of its Node');
    expect(await refusal(agent.replaceNodeUpgradeStatus({ ...otherRec, status: { host: { phase: 'Done' } } }))).toContain(`not ${other}`);
    expect(await refusal(agent.replaceNodeUpgradeStatus({ ...ownRec, status: { host: { phase: 'Running' } } }))).toBeUndefined();
    // the admin (and so the operator) is not confined
    expect(await refusal(adminApi.mergePatchNode(other, { spec: { unschedulable: true } }))).toBeUndefined();

    for (const name of [own, other]) await core.deleteNode({ name });
    await adm.deleteValidatingAdmissionPolicyBinding({ name: AGENT_POLICY });
    await adm.deleteValidatingAdmissionPolicy({ name: AGENT_POLICY });
  });
});
