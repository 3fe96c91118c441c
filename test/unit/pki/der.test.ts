import { namedBits, oid, oidString, readTime, readTlv, time, uint } from '../../../pkg/pki/der.js';

const hex = (b: Buffer) => b.toString('hex');

describe('DER', () => {
  test.each([
    [[0, 2], '030205a0'],
    [[0], '03020780'],
    [[0, 2, 5], '030202a4'],
    [[8], '0303070080'],
  ])('the key-usage bits %j are a minimal BIT STRING %s', (on, out) => {
    expect(hex(namedBits(on))).toBe(out);
  });

  test('an INTEGER whose first byte has the high bit set gets a leading zero; leading zeros are dropped', () => {
    expect(hex(uint(Buffer.from([0x80, 0x01])))).toBe('0203008001');
    expect(hex(uint(Buffer.from([0x00, 0x00, 0x7f])))).toBe('02017f');
  });

  test('object identifiers encode in base 128 and read back', () => {
    expect(hex(oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(oidString(readTlv(oid('2.5.29.37')).content)).toBe('2.5.29.37');
  });

  test('times before 2050 are UTCTime, from 2050 GeneralizedTime (RFC 5280), and read back', () => {
    const a = new Date('2036-01-01T00:00:00Z');
    const b = new Date('2051-06-30T12:34:56Z');
    expect(time(a).toString('latin1')).toBe('\x17\x0d360101000000Z');
    expect(time(b).toString('latin1')).toBe('\x18\x0f20510630123456Z');
    expect(readTime(readTlv(time(a)))).toEqual(a);
    expect(readTime(readTlv(time(b)))).toEqual(b);
  });

  test('a length past 127 bytes uses the long form', () => {
    const t = readTlv(Buffer.concat([Buffer.from([0x04, 0x81, 0x80]), Buffer.alloc(128, 1)]));
    expect(t.content).toHaveLength(128);
    expect(() => readTlv(Buffer.from([0x04, 0x81, 0x80, 1]))).toThrow('truncated DER');
  });
});
