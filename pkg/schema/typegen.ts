import { compile } from 'json-schema-to-typescript';
import { resolvedSchema, type SchemaNode } from './resolved.js';

/**
 * TypeScript declarations for a JSON Schema, as the resolved (defaults filled) type.
 * `titles` names nested object types by their JSON pointer (e.g. "/properties/spec"); a name
 * starting with "=" reuses a type named elsewhere instead of declaring a new one.
 */
export async function schemaToTypes(
  schema: SchemaNode,
  name: string,
  titles: Record<string, string>,
  source: string,
): Promise<string> {
  const copy = resolvedSchema(schema);
  for (const [pointer, title] of Object.entries(titles)) {
    let node: SchemaNode = copy;
    for (const part of pointer.split('/').filter(Boolean)) node = node[part] as SchemaNode;
    if (title.startsWith('=')) node.tsType = title.slice(1);
    else node.title = title;
  }
  return compile(copy as never, name, {
    bannerComment: `/* Generated from ${source} by \`npm run generate\`. Do not edit. */`,
    additionalProperties: false,
    strictIndexSignatures: false,
    format: true,
    style: { singleQuote: true, printWidth: 110 },
    unknownAny: true,
    ignoreMinAndMaxItems: true,
  });
}
