import { ExitCode, NkdError } from '../../../pkg/ui/errors.js';
import { errorPacket, negotiate, oackPacket, parseReadRequest, toNetascii } from '../../../pkg/infra/baremetal/tftp-packet.js';
import { tftpListenError } from '../../../pkg/infra/baremetal/tftp.js';

const rrq = (...fields: string[]): Buffer => Buffer.concat([Buffer.from([0, 1]), Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8')]);
const limits = { timeoutMs: 1000, maxBlksize: 65464 };

describe('TFTP packets', () => {
  it('parses a read request with its mode case-insensitively and its options lower-cased, the first of duplicates kept', () => {
    const r = parseReadRequest(rrq('/pxelinux.0', 'OCTET', 'BlkSize', '1432', 'tsize', '0', 'blksize', '8'));
    expect(r).toEqual({ ok: true, filename: '/pxelinux.0', mode: 'octet', options: new Map([['blksize', '1432'], ['tsize', '0']]) });
  });

  it('refuses a request without a NUL-terminated mode, a mail-mode request, and a name that is not UTF-8', () => {
    expect(parseReadRequest(Buffer.from('\0\x01file\0octet'))).toMatchObject({ ok: false, code: 4 });
    expect(parseReadRequest(rrq('file', 'mail'))).toMatchObject({ ok: false, code: 4, reason: 'transfer mode "mail" is not supported: use octet or netascii' });
    expect(parseReadRequest(Buffer.from([0, 1, 0xff, 0xfe, 0, 0x6f, 0x63, 0x74, 0x65, 0x74, 0]))).toMatchObject({ ok: false, code: 2, reason: 'the file name is not valid UTF-8' });
  });

  it('grants blksize within 8–65464 (lowered to the server\'s maximum), timeout within 1–255 s, and answers tsize with the size', () => {
    expect(negotiate(new Map([['blksize', '1432'], ['tsize', '0'], ['timeout', '3']]), 4242, limits)).toEqual({
      blksize: 1432, timeoutMs: 3000, acknowledged: [['blksize', '1432'], ['timeout', '3'], ['tsize', '4242']],
    });
    expect(negotiate(new Map([['blksize', '9000']]), 1, { ...limits, maxBlksize: 1468 }).acknowledged).toEqual([['blksize', '1468']]);
    expect(negotiate(new Map([['blksize', '7'], ['timeout', '0'], ['tsize', 'x'], ['windowsize', '4']]), 1, limits)).toEqual({ blksize: 512, timeoutMs: 1000, acknowledged: [] });
    expect(negotiate(new Map([['blksize', '65465'], ['timeout', '256']]), 1, limits).acknowledged).toEqual([]);
  });

  it('encodes OACK and ERROR packets, the message made printable ASCII', () => {
    expect(oackPacket([['blksize', '1432'], ['tsize', '9']])).toEqual(Buffer.from('\0\x06blksize\x001432\0tsize\x009\0', 'latin1'));
    expect(errorPacket(2, 'no ü\n')).toEqual(Buffer.from('\0\x05\0\x02no ??\0', 'latin1'));
  });

  it('converts to netascii: LF becomes CR LF and a bare CR becomes CR NUL', () => {
    expect(toNetascii(Buffer.from('a\nb\rc\r\n'))).toEqual(Buffer.from('a\r\nb\r\0c\r\0\r\n', 'latin1'));
  });
});

describe('TFTP listen errors', () => {
  it('says how to get port 69 when it is privileged, and who may hold a port in use', () => {
    const eacces = tftpListenError(Object.assign(new Error('bind EACCES'), { code: 'EACCES' }), '10.0.0.1', 69);
    expect(eacces).toBeInstanceOf(NkdError);
    expect(eacces.message).toBe('TFTP server: cannot listen on 10.0.0.1:69: EACCES');
    expect(eacces.hint).toMatch(/UDP port 69 is privileged: run nkd as root or give node CAP_NET_BIND_SERVICE/);
    const inUse = tftpListenError(Object.assign(new Error('bind EADDRINUSE'), { code: 'EADDRINUSE' }), '10.0.0.1', 69);
    expect(inUse.code).toBe(ExitCode.Failure);
    expect(inUse.hint).toMatch(/another process holds UDP port 69 on 10\.0\.0\.1/);
  });
});
