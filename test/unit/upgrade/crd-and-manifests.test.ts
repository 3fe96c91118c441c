import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../pkg/paths.js';
import { generateCrds, generateUpgradeTypes } from '../../../pkg/upgrade/api/crd-gen.js';
import { operatorManifests } from '../../../pkg/upgrade/install/manifests.js';
import { parseOperatorConfig } from '../../../pkg/upgrade/operator/operator-config.js';
import { upgradeFromFlags } from '../../../pkg/commands/upgrade.js';

describe('the generated upgrade API files', () => {
  it('keeps the committed CRDs equal to what the schema generates', () => {
    for (const [file, text] of Object.entries(generateCrds())) {
      expect(readFileSync(join(packageRoot(), 'crds', file), 'utf8')).toBe(text);
    }
  });

  it('keeps types.gen.ts equal to what the schema generates', async () => {
    expect(readFileSync(join(packageRoot(), 'pkg', 'upgrade', 'api', 'types.gen.ts'), 'utf8')).toBe(await generateUpgradeTypes());
  });
});

describe('the operator manifests', () => {
  const objs = operatorManifests({ image: 'quay.io/nestos/nkd:0.1' }) as { kind: string; metadata: { name: string }; spec?: Record<string, unknown>; rules?: { resources: string[]; verbs: string[] }[] }[];

  it('run two operator replicas and an agent DaemonSet that tolerates the control-plane taint', () => {
    const dep = objs.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number } };
    expect(dep.spec.replicas).toBe(2);
    const ds = JSON.stringify(objs.find((o) => o.kind === 'DaemonSet'));
    expect(ds).toContain('"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"');
  });

  it('grant no wildcard verbs or resources', () => {
    for (const o of objs.filter((x) => x.rules)) {
      for (const r of o.rules ?? []) { expect(r.verbs).not.toContain('*'); expect(r.resources).not.toContain('*'); }
    }
  });

  it('confine the agent to its own node with an admission policy from Kubernetes 1.30 on, and leave it out before', () => {
    const kinds = (v?: string) => operatorManifests({ image: 'quay.io/nestos/nkd:0.1', kubernetesVersion: v }).map((o) => (o as { kind: string }).kind);
    for (const v of [undefined, 'v1.30.0', '1.37.1']) expect(kinds(v)).toEqual(expect.arrayContaining(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']));
    expect(kinds('v1.29.9')).not.toContain('ValidatingAdmissionPolicy');
    expect(kinds('v1.29.9')).toContain('DaemonSet');
  });

  it('list the namespace first and the CRDs before anything that uses them', () => {
    expect(objs.map((o) => o.kind).slice(0, 3)).toEqual(['Namespace', 'CustomResourceDefinition', 'CustomResourceDefinition']);
  });
});

describe('operator start-up configuration', () => {
  it('refuses a renew deadline as long as the lease, naming the flags', () => {
    expect(() => parseOperatorConfig(['--lease-duration', '10', '--renew-deadline', '10'], {})).toThrow('--retry-period (2s) < --renew-deadline (10s) < --lease-duration (10s) must hold');
  });

  it('refuses an unknown flag and a bad metrics address', () => {
    expect(() => parseOperatorConfig(['--lease', '1'], {})).toThrow('unknown flag --lease');
    expect(() => parseOperatorConfig(['--metrics-address=8080'], {})).toThrow('--metrics-address: invalid value "8080": expected [host]:port like :8080');
  });

  it('reads the namespace and identity from the downward API environment', () => {
    expect(parseOperatorConfig([], { POD_NAMESPACE: 'kube-upgrade', POD_NAME: 'op-1' })).toMatchObject({ namespace: 'kube-upgrade', identity: 'op-1', metricsPort: 8080 });
  });
});

describe('nkd upgrade flags', () => {
  it('never sends an empty Upgrade', () => {
    expect(() => upgradeFromFlags({})).toThrow('nothing to upgrade: no target given');
  });

  it('refuses an image without a digest and a bad maxUnavailable, naming the flag', () => {
    expect(() => upgradeFromFlags({ osImage: 'quay.io/nestos:latest' })).toThrow('--os-image: invalid value "quay.io/nestos:latest": the image must be pinned by digest');
    expect(() => upgradeFromFlags({ kubernetesVersion: 'v1.37.1', maxUnavailable: '0' })).toThrow('--max-unavailable: invalid value "0"');
  });

  it('builds the Upgrade with a version prefixed by v', () => {
    expect(upgradeFromFlags({ kubernetesVersion: '1.37.1', maxUnavailable: '25%', name: 'u1' })).toMatchObject({ metadata: { name: 'u1' }, spec: { kubernetesVersion: 'v1.37.1', maxUnavailable: '25%' } });
  });
});
