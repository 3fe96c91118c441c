import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { sha512Hex } from '../ignition/pointer.js';
import { NkdError, ExitCode } from '../ui/errors.js';
import { secretBundlePath } from './boot-path.js';
import type { BootService, Progress } from './types.js';

/** One node's secret bundle as the boot service offers it. */
export interface BundleOffer {
  node: string;
  /** The bundle file render wrote (read when served, checked against sha512). */
  file: string;
  sha512: string;
  /**
   * The only address the bundle is handed to: the node's fixed IP, or (a function) one learnt
   * while it boots — undefined until then, and nothing is handed over before.
   */
  clientIp?: string | (() => string | undefined);
}

/**
 * More routes on the same service (the bare-metal iPXE chain): a request whose path starts
 * with `prefix` goes to `handle`, tried in order before the secret-bundle route.
 */
export interface BootRoute {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

/** Where the service listens and what it serves. */
export interface SecretBundleServerOptions {
  host: string;
  port: number;
  bundles: BundleOffer[];
  progress: Progress;
  /** Routes tried before the secret bundles (none by default). */
  routes?: BootRoute[];
  /** Called when a node took its bundle (the bare-metal provider waits on it). */
  onServed?: (node: string) => void;
}

/** This machine's addresses (where a boot service can listen). */
export const localAddresses = (): string[] => Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address));

/** A client address as the nodes' IPs are written (IPv4-mapped IPv6 addresses unmapped). */
export const normalizeIp = (ip: string | undefined): string => (ip ?? '').replace(/^::ffff:/, '');

/**
 * nkd's second-stage server: hands each node its secret bundle (an Ignition config with the
 * node's private keys, kubeconfigs and kubeadm file) over HTTP — to that node's address only
 * when it has one, and once: a second request, from anyone, gets 410 Gone. Ignition checks the
 * bytes against the SHA-512 its first stage carries. Nothing served is logged, only who got what.
 */
export async function startSecretBundleServer(opts: SecretBundleServerOptions): Promise<BootService> {
  const byPath = new Map(opts.bundles.map((b) => [secretBundlePath(b.node), b]));
  const served = new Set<string>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const reply = (code: number, text: string): void => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${text}\n`);
    };
    const path = (req.url ?? '').split('?')[0] ?? '';
    const route = opts.routes?.find((r) => path.startsWith(r.prefix));
    if (route) return route.handle(req, res);
    const offer = byPath.get(path);
    const from = normalizeIp(req.socket.remoteAddress);
    if (req.method !== 'GET') return reply(405, 'only GET');
    if (!offer) return reply(404, 'no such bundle');
    if (served.has(offer.node)) {
      opts.progress.warn(`boot service: refused a second request for node ${offer.node}'s secret bundle (from ${from}): it is served once`);
      return reply(410, 'already served');
    }
    const only = typeof offer.clientIp === 'function' ? offer.clientIp() ?? 'no address yet' : offer.clientIp;
    if (only !== undefined && only !== from) {
      opts.progress.warn(`boot service: refused node ${offer.node}'s secret bundle to ${from} (only ${only} may fetch it)`);
      return reply(403, 'not for this address');
    }
    const bytes = await readFile(offer.file);
    if (sha512Hex(bytes) !== offer.sha512) {
      opts.progress.warn(`boot service: ${offer.file} changed since render; not served (re-run the deploy to render again)`);
      return reply(409, 'bundle changed since render');
    }
    served.add(offer.node);
    res.writeHead(200, { 'content-type': 'application/vnd.coreos.ignition+json', 'content-length': bytes.length, 'cache-control': 'no-store' });
    res.end(bytes);
    opts.progress.ok(`boot service: node ${offer.node} took its secret bundle (from ${from})`);
    opts.onServed?.(offer.node);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new NkdError(`boot service: cannot listen on ${opts.host}:${opts.port}: ${e.code ?? e.message}`, {
        code: ExitCode.Failure,
        hint: e.code === 'EADDRINUSE' ? 'another process holds the port: stop it or choose another port' : 'use an address of this machine the nodes reach',
      })),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    served: () => [...served],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
