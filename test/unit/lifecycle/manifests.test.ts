import { applyOrder, parseManifests } from '../../../pkg/kube/manifests.js';
import { ExitCode } from '../../../pkg/ui/errors.js';

describe('parsing manifests for server-side apply', () => {
  it('reads every document of a multi-document YAML, skipping empty ones and flattening Lists', () => {
    const text = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n',
      '',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: x}}\n',
    ].join('---\n');
    expect(parseManifests(text, 'cni.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/s', 'Namespace/x']);
  });

  it('applies CRDs first, then Namespaces, then the rest in file order', () => {
    const objs = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: d}\n', 'm');
    expect(applyOrder(objs).map((o) => o.kind)).toEqual(['CustomResourceDefinition', 'Namespace', 'ConfigMap']);
  });

  it('names the document that is not a Kubernetes object', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: bar\n', 'hook.yaml')).toThrow(
      expect.objectContaining({ code: ExitCode.Usage, message: 'hook.yaml: document 2 is not a Kubernetes object (apiVersion and kind are required)' }),
    );
  });

  it('reports invalid YAML as a usage error naming the file', () => {
    expect(() => parseManifests('a: [', 'bad.yaml')).toThrow(expect.objectContaining({ code: ExitCode.Usage, message: expect.stringMatching(/^bad\.yaml: not valid YAML/) }));
  });
});
