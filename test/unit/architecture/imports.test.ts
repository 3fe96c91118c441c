/**
 * The package graph of pkg/ and cmd/, read from the sources: every static `import … from`,
 * `export … from` and dynamic `import('…')`, resolved against the importing file. A package is a
 * folder directly under pkg/ or cmd/; a file directly in pkg/ (pkg/paths.ts) is its own module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every module specifier a TypeScript source imports or re-exports, dynamic imports included. */
function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * The specifiers a source imports only for types (`import type`, `export type`, or every named
 * element marked `type`, and `import('…').T` type queries): erased by the compiler, they load
 * nothing at run time.
 */
function typeOnlySpecifiersOf(source: string): Set<string> {
  const f = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, false);
  const typeOnly = new Set<string>();
  const runtime = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const onlyTypes = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      (onlyTypes ? typeOnly : runtime).add(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      (n.isTypeOnly ? typeOnly : runtime).add(n.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      typeOnly.add(n.argument.literal.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      runtime.add(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(f);
  return new Set([...typeOnly].filter((s) => !runtime.has(s)));
}

/** The package a repository-relative path belongs to: `pkg/node`, `pkg/paths.ts`, `cmd/nkd`, `test`. */
function packageOf(path: string): string {
  const parts = path.split(sep);
  if (parts[0] !== 'pkg' && parts[0] !== 'cmd') return parts[0]!;
  return parts.slice(0, 2).join('/').replace(/\.js$/, '.ts');
}

/** One relative import: the importing file, what it wrote, the repository path it reaches, and whether only types come through it. */
interface Import {
  from: string;
  specifier: string;
  to: string;
  typeOnly: boolean;
}

/** The relative imports of every .ts file under pkg/ and cmd/ (packages are not resolved here). */
function repositoryImports(): Import[] {
  const files = ['pkg', 'cmd'].flatMap((top) =>
    readdirSync(join(ROOT, top), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(top, f)),
  );
  return files.flatMap((from) => {
    const source = readFileSync(join(ROOT, from), 'utf8');
    const types = typeOnlySpecifiersOf(source);
    return specifiersOf(source)
      .filter((s) => s.startsWith('.'))
      .map((specifier) => ({ from, specifier, to: relative(ROOT, resolve(ROOT, dirname(from), specifier)), typeOnly: types.has(specifier) }));
  });
}

/** Package → the packages it imports, each with one import that makes the edge (for the message). */
type Graph = Map<string, Map<string, string>>;

function packageGraph(imports: Import[]): Graph {
  const g: Graph = new Map();
  for (const i of imports) {
    const a = packageOf(i.from);
    const b = packageOf(i.to);
    if (a === b) continue;
    if (!g.has(a)) g.set(a, new Map());
    if (!g.get(a)!.has(b)) g.get(a)!.set(b, `${i.from} imports '${i.specifier}'`);
  }
  return g;
}

/** A cycle of the graph as the path [a, b, …, a], or undefined when it has none. */
function findCycle(g: Graph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    path.push(n);
    for (const m of [...(g.get(n)?.keys() ?? [])].sort()) {
      if (state.get(m) === 'open') return [...path.slice(path.indexOf(m)), m];
      if (!state.has(m)) {
        const found = visit(m);
        if (found) return found;
      }
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of [...g.keys()].sort()) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}

/** The cycle as a message that names each edge and one import that makes it. */
function describeCycle(g: Graph, cycle: string[]): string {
  const edges = cycle.slice(1).map((to, i) => `  ${cycle[i]} → ${to}: ${g.get(cycle[i]!)!.get(to)}`);
  return [`import cycle ${cycle.join(' → ')}`, ...edges].join('\n');
}

/** A graph from edge lists, for the checks on the checker. */
function graphOf(edges: Record<string, string[]>): Graph {
  return new Map(Object.entries(edges).map(([a, bs]) => [a, new Map(bs.map((b) => [b, `${a} imports ${b}`]))]));
}

describe('the import parser', () => {
  it('sees static, type-only, multi-line, re-exported and dynamic imports', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "import {\n  c,\n  d,\n} from './c.js';",
      "export * from './e.js';",
      "export { f } from './f.js';",
      "const g = await import('./g.js');",
      "type H = import('./h.js').H;",
      "import 'node:fs';",
    ].join('\n');
    expect(specifiersOf(source)).toEqual(['./a.js', '../b.js', './c.js', './e.js', './f.js', './g.js', './h.js', 'node:fs']);
    expect([...typeOnlySpecifiersOf(source)].sort()).toEqual(['../b.js', './h.js']);
  });

  it('counts an import as type-only only when nothing of it is a value', () => {
    const source = ["import { type A, b } from './mixed.js';", "import { type C } from './types.js';", "export type { D } from './d.js';", "import type { E } from './both.js';", "const e = await import('./both.js');"].join('\n');
    expect([...typeOnlySpecifiersOf(source)].sort()).toEqual(['./d.js', './types.js']);
  });

  it('puts pkg/ folders, files directly in pkg/ and cmd/ folders each in their own package', () => {
    expect(packageOf('pkg/node/assemble.ts')).toBe('pkg/node');
    expect(packageOf('pkg/infra/libvirt/provider.ts')).toBe('pkg/infra');
    expect(packageOf('pkg/paths.js')).toBe('pkg/paths.ts');
    expect(packageOf('cmd/nkd/main.ts')).toBe('cmd/nkd');
    expect(packageOf('test/helpers/cli.ts')).toBe('test');
  });
});

describe('the cycle check', () => {
  it('finds a cycle around three packages and names every edge of it', () => {
    const g = graphOf({ 'pkg/d': ['pkg/a'], 'pkg/a': ['pkg/b'], 'pkg/b': ['pkg/c'], 'pkg/c': ['pkg/a', 'pkg/ui'] });
    const cycle = findCycle(g);
    expect(cycle).toEqual(['pkg/a', 'pkg/b', 'pkg/c', 'pkg/a']);
    expect(describeCycle(g, cycle!)).toBe(
      'import cycle pkg/a → pkg/b → pkg/c → pkg/a\n  pkg/a → pkg/b: pkg/a imports pkg/b\n  pkg/b → pkg/c: pkg/b imports pkg/c\n  pkg/c → pkg/a: pkg/c imports pkg/a',
    );
  });

  it('finds two packages that import each other', () => {
    expect(findCycle(graphOf({ 'pkg/node': ['pkg/runtime'], 'pkg/runtime': ['pkg/node'] }))).toEqual(['pkg/node', 'pkg/runtime', 'pkg/node']);
  });

  it('passes a graph whose paths meet without looping', () => {
    expect(findCycle(graphOf({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }))).toBeUndefined();
  });
});

describe('the packages of pkg/ and cmd/', () => {
  const imports = repositoryImports();
  // Type-only imports are erased at compile time and load nothing: the cycle check is over what
  // runs. (A platform module names the cluster file's generated types, ClusterConfig, while the
  // loader asks the platform registry for its schema section and checks: the types flow up, the
  // code flows down.) See docs/adr/0303-platform-modules-and-boot-delivery.md.
  const graph = packageGraph(imports.filter((i) => !i.typeOnly));

  it('are read from the real tree, dynamic imports included', () => {
    expect(imports.length).toBeGreaterThan(300);
    // cmd/nkd reaches pkg/commands only through import() inside the actions.
    expect(graph.get('cmd/nkd')?.get('pkg/commands')).toBeDefined();
    expect(graph.get('pkg/commands')?.get('pkg/lifecycle')).toBeDefined();
  });

  it('import one another without a cycle', () => {
    const cycle = findCycle(graph);
    if (cycle) throw new Error(describeCycle(graph, cycle));
  });

  it('never import test code', () => {
    expect(imports.filter((i) => packageOf(i.to) === 'test').map((i) => `${i.from} imports '${i.specifier}'`)).toEqual([]);
  });

  it('leave pkg/commands to cmd/: nothing else in pkg/ imports it', () => {
    const users = imports.filter((i) => packageOf(i.to) === 'pkg/commands' && !['pkg/commands', 'cmd/nkd'].includes(packageOf(i.from)));
    expect(users.map((i) => `${i.from} imports '${i.specifier}'`)).toEqual([]);
  });

  it('leave commander to cmd/ and pkg/commands: no other file in pkg/ imports it', () => {
    const users = readdirSync(join(ROOT, 'pkg'), { recursive: true, encoding: 'utf8' })
      .map((f) => join('pkg', f))
      .filter((f) => f.endsWith('.ts') && packageOf(f) !== 'pkg/commands' && specifiersOf(readFileSync(join(ROOT, f), 'utf8')).includes('commander'));
    expect(users).toEqual([]);
  });
});
