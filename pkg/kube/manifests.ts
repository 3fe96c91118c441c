import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { usageError } from '../ui/errors.js';

/** A Kubernetes object as applied: apiVersion, kind, metadata.name at least. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Parses a multi-document YAML (or JSON) manifest; `List` objects are flattened; empty documents skipped. */
export function parseManifests(text: string, source: string): KubeObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (e) {
    throw usageError(`${source}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'fix the manifest, or point at another one');
  }
  const out: KubeObject[] = [];
  const add = (d: unknown, where: string): void => {
    if (d === null || d === undefined) return;
    const o = d as Partial<KubeObject> & { items?: unknown[] };
    if (typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') {
      throw usageError(`${source}: ${where} is not a Kubernetes object (apiVersion and kind are required)`, 'fix the manifest');
    }
    if (o.kind.endsWith('List') && Array.isArray(o.items)) {
      o.items.forEach((item, j) => add(item, `${where} item ${j + 1}`));
      return;
    }
    if (typeof o.metadata?.name !== 'string') throw usageError(`${source}: ${where} (${o.kind}) has no metadata.name`, 'fix the manifest');
    out.push(o as KubeObject);
  };
  docs.forEach((d, i) => add(d, `document ${i + 1}`));
  return out;
}

/** Reads a manifest from a path or an http(s) URL. */
export async function readManifest(ref: string, signal?: AbortSignal): Promise<KubeObject[]> {
  if (/^https?:\/\//.test(ref)) {
    let res: Response;
    try {
      res = await fetch(ref, { signal });
    } catch (e) {
      throw usageError(`manifest ${ref}: cannot fetch (${(e as Error).message})`, 'check the URL and the network, or download it and give its path');
    }
    if (!res.ok) throw usageError(`manifest ${ref}: HTTP ${res.status}`, 'check the URL, or download it and give its path');
    return parseManifests(await res.text(), ref);
  }
  let text: string;
  try {
    text = await readFile(ref, 'utf8');
  } catch (e) {
    throw usageError(`manifest ${ref}: cannot read (${(e as NodeJS.ErrnoException).code})`, 'fix the path in the cluster file');
  }
  return parseManifests(text, ref);
}

/** Orders objects so that what others depend on goes first: CRDs, Namespaces, then the rest. */
export function applyOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject): number => (o.kind === 'CustomResourceDefinition' ? 0 : o.kind === 'Namespace' ? 1 : 2);
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}
