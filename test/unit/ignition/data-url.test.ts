import fc from 'fast-check';
import { base64DataUrl, dataUrlResource, gzipDataUrl, percentDataUrl } from '../../../pkg/ignition/data-url.js';
import { decodeResource } from './decode.js';

describe('data URLs for file contents', () => {
  test('percent-encodes small text readably and decodes to the same bytes', () => {
    const r = dataUrlResource('a b/c:d=e\n');
    expect(r).toEqual({ source: 'data:,a%20b/c:d=e%0A' });
    expect(decodeResource(r).toString()).toBe('a b/c:d=e\n');
  });

  test('escapes every character a URL or JSON could misread', () => {
    const url = percentDataUrl(`"'%$#?&+;\\ \t\n`);
    expect(url).toBe(`data:,%22'%25%24%23%3F%26%2B%3B%5C%20%09%0A`);
  });

  test('uses gzip only when it is shorter than the plain forms', () => {
    const big = 'kubernetes '.repeat(400);
    const r = dataUrlResource(big);
    expect(r.compression).toBe('gzip');
    expect(r.source!.length).toBeLessThan(percentDataUrl(big).length);
    expect(dataUrlResource('tiny').compression).toBeUndefined();
    expect(dataUrlResource(big, { compression: false }).compression).toBeUndefined();
  });

  test('picks base64 for binary-looking contents when that is shortest', () => {
    const bytes = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97) % 256));
    const r = dataUrlResource(bytes, { compression: false });
    expect(r.source).toBe(base64DataUrl(bytes));
  });

  test('gzip output is deterministic (no timestamp in the header)', () => {
    expect(gzipDataUrl('x'.repeat(1000))).toBe(gzipDataUrl('x'.repeat(1000)));
  });

  test('text and its UTF-8 bytes percent-encode identically', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(percentDataUrl(s)).toBe(percentDataUrl(Buffer.from(s)));
      }),
      { numRuns: 300 },
    );
  });

  test('repeated contents give equal but separate resources', () => {
    const a = dataUrlResource('same text\n');
    const b = dataUrlResource('same text\n');
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });

  test('any text round-trips through the chosen encoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        expect(decodeResource(dataUrlResource(s)).toString('utf8')).toBe(s);
      }),
      { numRuns: 300 },
    );
  });
});
