import fc from 'fast-check';
import { loadClusterText } from '../../../pkg/config/load.js';
import { NkdError } from '../../../pkg/ui/errors.js';
import { toYaml, validClusterDoc } from '../../fixtures/cluster.js';

/** Loads text; returns 'ok', or fails the property when anything but NkdError escapes. */
async function loadsOrNkdError(text: string): Promise<void> {
  try {
    await loadClusterText(text, { file: 'fuzz.yaml', env: {} });
  } catch (e) {
    if (!(e instanceof NkdError)) throw new Error(`non-NkdError escaped: ${String(e)}\n${(e as Error)?.stack}\ninput:\n${text.slice(0, 2000)}`);
    if (e.code !== 2) throw new Error(`exit code ${e.code} for bad input`);
  }
}

/** Every path (as keys) to a value in a document. */
function paths(doc: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (doc === null || typeof doc !== 'object') return [prefix];
  const out: Array<Array<string | number>> = [prefix];
  for (const [k, v] of Object.entries(doc)) out.push(...paths(v, [...prefix, Array.isArray(doc) ? Number(k) : k]));
  return out;
}

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
  fc.constantFrom('10.231.0.11', '1.34.1', 'control-plane', '52:54:00:00:00:01', '10.96.0.0/12', '', '../', '{{x}}'),
);

describe('the cluster file loader under random input', () => {
  it('throws nothing but NkdError for random text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 400 }), loadsOrNkdError), { numRuns: 300 });
  });

  it('throws nothing but NkdError for random YAML documents', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    await fc.assert(fc.asyncProperty(json, (v) => loadsOrNkdError(toYaml(v))), { numRuns: 300 });
  });

  it('throws nothing but NkdError for a valid document with one value replaced, deleted or added', async () => {
    const base = validClusterDoc();
    const all = paths(base).filter((p) => p.length > 0);
    const mutation = fc.record({
      path: fc.constantFrom(...all),
      op: fc.constantFrom('replace', 'delete', 'add'),
      value: anyValue,
      key: fc.string({ maxLength: 10 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (muts) => {
        const doc = structuredClone(base);
        for (const m of muts) {
          let parent: any = doc;
          for (const k of m.path.slice(0, -1)) parent = parent?.[k];
          if (parent === null || typeof parent !== 'object') continue;
          const last = m.path[m.path.length - 1]!;
          if (m.op === 'replace') parent[last] = m.value;
          else if (m.op === 'delete') delete parent[last];
          else if (typeof parent[last] === 'object' && parent[last] !== null) parent[last][m.key] = m.value;
        }
        await loadsOrNkdError(toYaml(doc));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a document that aliases expand past the limit (billion laughs)', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    await expect(loadClusterText(lines.join('\n'), { file: 'lol.yaml', env: {} })).rejects.toThrow(/expands to more than/);
  });

  it('accepts anchors and merge keys in a valid document', async () => {
    const text = toYaml(validClusterDoc()).replace('nodes:\n', 'x-size: &size {cpus: 4}\n  nodes:\n');
    await expect(loadClusterText(text, { file: 'c.yaml', env: {} })).rejects.toThrow(NkdError); // x-size is an unknown field
    const merged = [
      'apiVersion: nkd.nestos.openeuler.org/v1alpha1',
      'kind: Cluster',
      'metadata: {name: demo}',
      'spec:',
      '  platform: libvirt',
      '  network: {cidr: 10.231.0.0/24}',
      '  libvirt: {osImage: /x.qcow2}',
      '  nodeDefaults:',
      '    controlPlane: &size {cpus: 4, memoryMiB: 8192}',
      '    worker:',
      '      <<: *size',
      '      diskGiB: 50',
      '  nodes: [{name: m1, role: control-plane, ip: 10.231.0.11}]',
      '  kubernetes: {version: "1.34.1"}',
      `  os: {releaseImage: "r.example.com/n@sha256:${'1'.repeat(64)}"}`,
    ].join('\n');
    const { config } = await loadClusterText(merged, { file: 'c.yaml', env: {} });
    expect(config.spec.nodeDefaults.worker).toEqual({ cpus: 4, memoryMiB: 8192, diskGiB: 50 });
    expect(config.spec.nodeDefaults.controlPlane).toEqual({ cpus: 4, memoryMiB: 8192, diskGiB: 30 });
  });
});
