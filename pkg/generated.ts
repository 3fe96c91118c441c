import { clusterSchemaWith } from './config/schema.js';
import { allPlatforms } from './infra/registry.js';
import { schemaToTypes } from './schema/typegen.js';
import { schemaToMarkdown } from './schema/docgen.js';
import type { SchemaNode } from './schema/resolved.js';
import { generateCrds, generateUpgradeTypes } from './upgrade/api/crd-gen.js';

/** Nested type names of the cluster config, by JSON pointer into the schema. */
const clusterTitles: Record<string, string> = {
  '/properties/metadata': 'ClusterMetadata',
  '/properties/spec': 'ClusterSpec',
  '/properties/spec/properties/network': 'NodeNetwork',
  '/properties/spec/properties/nodeDefaults': 'NodeDefaults',
  '/properties/spec/properties/nodeDefaults/properties/controlPlane': 'NodeResources',
  '/properties/spec/properties/nodeDefaults/properties/worker': '=NodeResources',
  '/properties/spec/properties/nodes/items': 'ClusterNode',
  '/properties/spec/properties/nodes/items/properties/taints/items': 'Taint',
  '/properties/spec/properties/kubernetes': 'KubernetesSpec',
  '/properties/spec/properties/kubernetes/properties/controlPlaneEndpoint': 'ControlPlaneEndpoint',
  '/properties/spec/properties/kubernetes/properties/controlPlaneEndpoint/properties/vip': 'VipSpec',
  '/properties/spec/properties/kubernetes/properties/networking': 'ClusterNetworking',
  '/properties/spec/properties/kubernetes/properties/cni': 'CniSpec',
  '/properties/spec/properties/containerRuntime': 'ContainerRuntimeSpec',
  '/properties/spec/properties/containerRuntime/properties/registryMirrors/items': 'RegistryMirror',
  '/properties/spec/properties/os': 'OsSpec',
  '/properties/spec/properties/access': 'AccessSpec',
  '/properties/spec/properties/certificates': 'CertificatesSpec',
  '/properties/spec/properties/certificates/properties/userCAs': 'UserCAs',
  '/properties/spec/properties/hooks': 'HooksSpec',
  '/properties/spec/properties/hooks/properties/preScripts/items': 'PreScript',
  '/properties/spec/properties/upgradeOperator': 'UpgradeOperatorSpec',
};

const configIntro = [
  'Every field of the cluster file (`nkd template` writes a commented example; `nkd validate -f FILE` checks one).',
  'A field marked *(derived)* is filled from other fields when omitted.',
  'Settings can also come from flags and `NKD_*` environment variables: flag > environment > file > default',
  '(see `nkd render --help` for the flags and the README for the variables).',
].join(' ');

/** Every generated file of the repository: path relative to the root → content. */
export async function generatedFiles(): Promise<Record<string, string>> {
  const platforms = allPlatforms();
  const schema = clusterSchemaWith(platforms) as unknown as SchemaNode;
  const titles = { ...clusterTitles };
  for (const p of platforms) {
    const at = `/properties/spec/properties/${p.name}`;
    titles[at] = p.typeNames.section;
    for (const [rel, name] of Object.entries(p.typeNames.nested ?? {})) titles[at + rel] = name;
    const node = `/properties/spec/properties/nodes/items/properties/${p.name}`;
    if (p.typeNames.node) titles[node] = p.typeNames.node;
    for (const [rel, name] of Object.entries(p.typeNames.nodeNested ?? {})) titles[node + rel] = name;
  }
  return {
    'pkg/config/types.gen.ts': await schemaToTypes(schema, 'ClusterConfig', titles, 'pkg/config/schema.ts'),
    'docs/config-reference.md': schemaToMarkdown(schema, 'Cluster file reference', configIntro),
    'pkg/upgrade/api/types.gen.ts': await generateUpgradeTypes(),
    ...Object.fromEntries(Object.entries(generateCrds()).map(([f, text]) => [`crds/${f}`, text])),
  };
}
