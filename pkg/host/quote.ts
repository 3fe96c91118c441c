import { ExitCode, NkdError } from '../ui/errors.js';

/** POSIX shell single-quoted word: safe for any text, including quotes, `$`, `%` and newlines. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A systemd command-line / Environment= word in double quotes: `\` and `"` escaped, `%`
 * doubled (specifiers) and `$` doubled (variable expansion); newlines are refused.
 */
export function systemdQuote(s: string, field: string): string {
  if (/[\n\r\0]/.test(s)) {
    throw new NkdError(`${field}: the value contains a line break, which a systemd unit cannot carry`, { code: ExitCode.Usage, hint: 'remove the line break' });
  }
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c).replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** A TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** A value of a GLib key file (NetworkManager keyfiles): backslash escapes, leading space kept. */
export function keyfileValue(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r')
    .replace(/^ /, '\\s');
}
