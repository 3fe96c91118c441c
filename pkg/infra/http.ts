/**
 * The HTTP(S) client the providers talk to their platforms' APIs with (OpenStack services, BMCs'
 * Redfish): node:http(s), so a platform's own CA bundle applies to that connection only, with a
 * bounded time. Bodies are text; callers parse them.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** How a request is sent (`ca`: PEM the server's certificate must chain to, instead of the system's). */
export type Transport = (method: string, url: string, headers: Record<string, string>, body: string | undefined, ca?: string) => Promise<HttpAnswer>;

/** The real transport. */
export const nodeTransport: Transport = (method, url, headers, body, ca) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, timeout: 60_000, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(body);
  });
