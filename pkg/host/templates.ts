import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { templatePath } from '../paths.js';
import { keyfileValue, shellQuote } from './quote.js';

/**
 * templates/node/*.hbs: systemd units, scripts and small config files, rendered with
 * handlebars in strict mode (a missing variable throws). Values never go in bare: every
 * mustache is a helper that escapes for its context —
 *   {{sh x}}   a POSIX shell word (single-quoted);
 *   {{kf x}}   a GLib key-file value (NetworkManager);
 *   {{lit x}}  a literal that needs no escaping anywhere (paths, unit names, IPs, numbers),
 *              refused if it holds anything else.
 * test/unit/node/templates.test.ts checks that the templates use nothing else.
 */
const hbs = Handlebars.create();

const SAFE_LITERAL = /^[A-Za-z0-9@:_./=+,-]*$/;

/** Strict mode does not reach helper arguments: a missing value must throw here too. */
function present(v: unknown, helper: string): string {
  if (v === undefined || v === null) throw new Error(`template value for {{${helper}}} is missing`);
  return String(v);
}

hbs.registerHelper('sh', (v: unknown) => new hbs.SafeString(shellQuote(present(v, 'sh'))));
hbs.registerHelper('kf', (v: unknown) => new hbs.SafeString(keyfileValue(present(v, 'kf'))));
hbs.registerHelper('lit', (v: unknown) => {
  const s = present(v, 'lit');
  if (!SAFE_LITERAL.test(s)) throw new Error(`template literal "${s}" holds characters that would need escaping`);
  return new hbs.SafeString(s);
});

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/node/<name>.hbs with a typed context. */
export function renderNodeTemplate(name: string, context: object): string {
  let t = cache.get(name);
  if (!t) {
    t = hbs.compile(readFileSync(templatePath('node', `${name}.hbs`), 'utf8'), { strict: true });
    cache.set(name, t);
  }
  return t(context);
}
