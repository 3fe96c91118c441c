/**
 * The HTTP(S) client the providers talk to their platforms' APIs with (OpenStack services, BMCs'
 * Redfish): node:http(s), so a platform's own CA bundle applies to that connection only, with a
 * bounded time. Bodies are text; callers parse them.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** How a request is sent (`ca`: PEM the server's certificate must chain to, instead of the system's). */
export type Transport = (method: string, url: string, headers: Record<string, string>, body: string | undefined, ca?: string) => Promise<HttpAnswer>;

/**
 * Sends one request and collects the answer; `write` ends the request (a string body, or a
 * piped stream). 60 s without progress aborts it (an upload has no overall bound).
 */
function send(method: string, url: string, headers: Record<string, string>, ca: string | undefined, write: (req: ClientRequest) => void): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(u, { method, headers, timeout: 60_000, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    write(req);
  });
}

/** The real transport. */
export const nodeTransport: Transport = (method, url, headers, body, ca) =>
  send(method, url, { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, ca, (req) => req.end(body));

/** Sends a request whose body is streamed (a file upload of `size` bytes), with the same answer. */
export type StreamTransport = (method: string, url: string, headers: Record<string, string>, body: () => NodeJS.ReadableStream, size: number, ca?: string) => Promise<HttpAnswer>;

/** The real streaming transport. */
export const nodeStreamTransport: StreamTransport = (method, url, headers, body, size, ca) =>
  send(method, url, { ...headers, 'content-length': String(size) }, ca, (req) => {
    const src = body();
    src.on('error', (e) => req.destroy(e as Error));
    src.pipe(req);
  });
