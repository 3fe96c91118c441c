/** A JSON Schema node, loosely typed for the generators that walk it. */
export type SchemaNode = { [key: string]: unknown };

/**
 * The schema of the resolved document: every property that the loader always fills (it has
 * a `default`, or is marked `x-filled`) becomes required, so the generated type says so.
 */
export function resolvedSchema(schema: SchemaNode): SchemaNode {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: SchemaNode = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    const props = out.properties as Record<string, SchemaNode> | undefined;
    if (props) {
      const filled = Object.entries(props)
        .filter(([, p]) => p.default !== undefined || p['x-filled'] === true)
        .map(([k]) => k);
      const required = new Set([...((out.required as string[] | undefined) ?? []), ...filled]);
      if (required.size) out.required = [...required];
    }
    return out;
  };
  return walk(schema) as SchemaNode;
}
