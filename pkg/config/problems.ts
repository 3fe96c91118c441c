import { ExitCode, NkdError } from '../ui/errors.js';

/** One finding about a cluster file. */
export interface Problem {
  severity: 'error' | 'warning';
  /** Field path in dotted form, e.g. `spec.nodes[1].ip` ("" for the whole document). */
  path: string;
  /** What is wrong, e.g. `invalid value "10.0.0.300": must be an IPv4 address`. */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** Where the value came from when not the file: `flag --x` or `env NKD_X`. */
  source?: string;
}

/** A list of problems under construction. */
export class Problems {
  readonly list: Problem[] = [];

  error(path: string, message: string, hint?: string): void {
    this.list.push({ severity: 'error', path, message, hint });
  }
  warn(path: string, message: string, hint?: string): void {
    this.list.push({ severity: 'warning', path, message, hint });
  }
  get errors(): Problem[] {
    return this.list.filter((p) => p.severity === 'error');
  }
  get warnings(): Problem[] {
    return this.list.filter((p) => p.severity === 'warning');
  }
}

/** `cluster.yaml:12: spec.nodes[1].ip: invalid value …; fix: …` */
export function formatProblem(file: string, p: Problem): string {
  const where = p.source ? `${p.source}` : p.line ? `${file}:${p.line}` : file;
  const path = p.path ? `${p.path}: ` : '';
  const hint = p.hint ? ` (fix: ${p.hint})` : '';
  return `${where}: ${path}${p.message}${hint}`;
}

/** The NkdError for a file with errors: one detail line per problem, errors first. */
export function invalidConfigError(file: string, problems: Problem[]): NkdError {
  const errors = problems.filter((p) => p.severity === 'error');
  return new NkdError(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'} in the cluster file`, {
    code: ExitCode.Usage,
    details: errors.map((p) => formatProblem(file, p)),
    warnings: problems.filter((p) => p.severity === 'warning').map((p) => formatProblem(file, p)),
    hint: 'fix the fields above and run `nkd validate -f ' + file + '` again',
  });
}

/** Dotted path (`spec.nodes[1].ip`) from a JSON pointer (`/spec/nodes/1/ip`). */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^[0-9]+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
