import { readFile, stat } from 'node:fs/promises';
import yaml from 'js-yaml';
import { ExitCode, NkdError } from '../ui/errors.js';

/** Largest cluster file nkd reads (a 5,000-node file is about 1 MiB). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Most values a document may expand to once YAML aliases are followed. */
const MAX_VALUES = 2_000_000;

/** A YAML node's position, with its children's positions (mapping keys or sequence items). */
interface PosNode {
  line: number;
  children?: Map<string, PosNode>;
}

/** A parsed cluster file: the plain data and a way to find the line of a field. */
export interface ParsedFile {
  doc: unknown;
  /** 1-based line of the deepest known node on a JSON-pointer path. */
  lineOf(pointer: string): number | undefined;
}

function fail(message: string, hint?: string): NkdError {
  return new NkdError(message, { code: ExitCode.Usage, hint });
}

/** A cluster file that cannot be read, in words: missing, a symlink loop, no permission, EIO. */
function unreadable(file: string, e: unknown, hint: string): NkdError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return fail(`${file}: no such file`, hint);
  if (code === 'ELOOP') return fail(`${file}: a symbolic link loop (too many levels of symbolic links)`, 'point -f at the cluster file itself, or fix the link');
  if (code === 'EACCES' || code === 'EPERM') return fail(`${file}: permission denied`, 'make the file readable by this user (chmod u+r), or run as its owner');
  if (code === 'ENOTDIR') return fail(`${file}: a part of the path is a file, not a directory`, hint);
  if (code === 'ENAMETOOLONG') return fail(`${file}: the path is too long`, hint);
  return fail(`${file}: cannot be read (${code ?? (e as Error).message})`, 'pass a regular YAML file with -f');
}

/** Reads a cluster file, refusing directories, missing, empty, huge or non-UTF-8 files. */
export async function readClusterFile(file: string): Promise<string> {
  const hint = 'pass the cluster file with -f, e.g. `nkd template --platform libvirt > cluster.yaml`';
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw unreadable(file, e, hint);
  }
  if (st.isDirectory()) throw fail(`${file}: is a directory, not a cluster file`, 'pass the YAML file with -f (the cluster directory goes to --dir)');
  if (!st.isFile()) throw fail(`${file}: not a regular file`, 'pass the YAML file with -f; nkd does not read devices, pipes or sockets');
  if (st.size > MAX_FILE_BYTES) throw fail(`${file}: ${st.size} bytes is larger than the ${MAX_FILE_BYTES} bytes a cluster file may have`);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw unreadable(file, e, hint);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw fail(`${file}: not UTF-8 text`, 'save the cluster file as UTF-8 YAML');
  }
  if (text.trim() === '') throw fail(`${file}: the file is empty`, 'write a cluster file with `nkd template --platform libvirt`');
  return text;
}

/** Parses YAML text into data plus positions. Throws NkdError with the line on syntax errors. */
export function parseClusterYaml(text: string, file: string): ParsedFile {
  const stack: Array<{ line: number; kind?: string; result?: unknown; kids: Array<{ line: number; kind?: string; result?: unknown; pos: PosNode }> }> = [];
  let root: PosNode | undefined;
  let doc: unknown;
  try {
    const docs = yaml.loadAll(text, undefined, {
      filename: file,
      json: false,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ line: state.line + 1, kids: [] });
          return;
        }
        const f = stack.pop()!;
        const pos: PosNode = { line: f.line };
        if (state.kind === 'mapping') {
          pos.children = new Map();
          for (let i = 0; i + 1 < f.kids.length; i += 2) {
            const key = f.kids[i]!;
            pos.children.set(String(key.result), { ...f.kids[i + 1]!.pos, line: key.line });
          }
        } else if (state.kind === 'sequence') {
          pos.children = new Map(f.kids.map((k, i) => [String(i), k.pos]));
        }
        const entry = { line: f.line, kind: state.kind, result: state.result, pos };
        if (stack.length) stack[stack.length - 1]!.kids.push(entry);
        else root ??= pos;
      },
    });
    if (docs.length > 1) throw fail(`${file}: holds ${docs.length} YAML documents; a cluster file is one document`, 'remove the extra `---` documents');
    doc = docs[0];
  } catch (e) {
    if (e instanceof NkdError) throw e;
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : undefined;
      throw fail(`${file}${line ? `:${line}` : ''}: malformed YAML: ${e.reason}`, 'fix the YAML syntax at that line');
    }
    throw fail(`${file}: malformed YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (doc === null || doc === undefined) throw fail(`${file}: the file holds no document`, 'write a cluster file with `nkd template --platform libvirt`');
  if (typeof doc !== 'object' || Array.isArray(doc)) throw fail(`${file}: the document must be a mapping (apiVersion, kind, metadata, spec), not a ${Array.isArray(doc) ? 'list' : typeof doc}`);
  const count = countValues(doc);
  if (count > MAX_VALUES) throw fail(`${file}: the document expands to more than ${MAX_VALUES} values (through YAML aliases)`, 'write the values out instead of nesting aliases');
  return {
    doc: structuredClone(doc), // aliases become independent copies, so defaults fill each one once
    lineOf(pointer) {
      let node = root;
      let line = node?.line;
      for (const seg of pointer.split('/').slice(1)) {
        node = node?.children?.get(seg.replace(/~1/g, '/').replace(/~0/g, '~'));
        if (!node) break;
        line = node.line;
      }
      return line;
    },
  };
}

/** Counts values reachable from `doc`, following shared references, stopping past the limit. */
function countValues(doc: unknown): number {
  let n = 0;
  const todo: unknown[] = [doc];
  while (todo.length && n <= MAX_VALUES) {
    const v = todo.pop();
    n++;
    if (v && typeof v === 'object') for (const c of Object.values(v)) todo.push(c);
  }
  return n;
}
