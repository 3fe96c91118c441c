import { readdirSync, readFileSync } from 'node:fs';
import { keyfileValue, shellQuote, systemdQuote, tomlString } from '../../../pkg/host/quote.js';
import { renderNodeTemplate } from '../../../pkg/host/templates.js';
import { templatePath } from '../../../pkg/paths.js';

describe('node templates', () => {
  const dir = templatePath('node');
  const allowed = /^\{\{(?:(?:sh|kf|lit) [A-Za-z.]+|#(?:if|each) [A-Za-z]+|\/(?:if|each)|else)\}\}$/;

  test.each(readdirSync(dir).filter((f) => f.endsWith('.hbs')))('%s inserts values only through escaping helpers', (file) => {
    const mustaches = readFileSync(`${dir}/${file}`, 'utf8').match(/\{\{[^}]*\}\}\}?/g) ?? [];
    for (const m of mustaches) expect(m).toMatch(allowed);
  });

  test('a missing variable throws (strict mode)', () => {
    expect(() => renderNodeTemplate('nkd-pivot.service', { marker: '/x' })).toThrow('template value for {{lit}} is missing');
  });

  test('lit refuses a value that would need escaping', () => {
    expect(() => renderNodeTemplate('nkd-pivot.service', { marker: '/x y', script: '/s' })).toThrow('template literal "/x y" holds characters that would need escaping');
  });
});

describe('escaping', () => {
  test('shellQuote wraps in single quotes and escapes single quotes', () => {
    expect(shellQuote(`it's $HOME`)).toBe(`'it'\\''s $HOME'`);
  });

  test('systemdQuote doubles % and $ and refuses line breaks, naming the field', () => {
    expect(systemdQuote('a"b\\c%d$e', 'f')).toBe('"a\\"b\\\\c%%d$$e"');
    expect(() => systemdQuote('a\nb', 'spec.x')).toThrow('spec.x: the value contains a line break');
  });

  test('tomlString escapes quotes, backslashes and control characters', () => {
    expect(tomlString('a"b\\c\n\u0001\u007f✓')).toBe('"a\\"b\\\\c\\n\\u0001\\u007f✓"');
  });

  test('keyfileValue escapes backslashes, line breaks and a leading space', () => {
    expect(keyfileValue(' a\\b\nc')).toBe('\\sa\\\\b\\nc');
  });
});
