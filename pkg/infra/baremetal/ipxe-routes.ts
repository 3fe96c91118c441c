/**
 * The iPXE chain as boot-service routes. `GET /nkd/v1/ipxe/boot.ipxe` (anyone): the chain
 * script. `GET /nkd/v1/ipxe/machine?mac=…`: for a MAC the cluster file knows, that host's script
 * with a fresh one-time token; any other MAC gets 404 and nothing else.
 * `GET /nkd/v1/ignition/<token>?mac=…`: the node's first stage (no secrets) when the token
 * redeems for that MAC, else 403. Once a node has taken its first stage, its machine script
 * boots the local disk, so a host that network-boots first does not install again. The file served is always one render wrote for the token's
 * node, looked up by node name; nothing in a request names a file.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BootRoute } from '../boot-service.js';
import type { Progress } from '../types.js';
import { IGNITION_PREFIX, IPXE_PREFIX, normalizeMac, renderChainScript, renderLocalBootScript, renderMachineScript, type IpxeBoot } from './ipxe.js';
import { OneTimeTokens, TOKEN_PATTERN, tokenTag } from './tokens.js';

/** How long a machine script's token stays valid by default: the live kernel, initramfs and rootfs download first. */
export const DEFAULT_TOKEN_TTL_MS = 30 * 60 * 1000;

/** What the iPXE routes serve. */
export interface IpxeRoutesOptions {
  boot: IpxeBoot;
  /** Each node's first stage as render wrote it (RenderedNode.ignitionPath). */
  firstStages: Array<{ node: string; file: string }>;
  progress: Progress;
  /** The token store (default: a new one with the real clock). */
  tokens?: OneTimeTokens;
  tokenTtlMs?: number;
  /** Called when a node took its script or its first stage, with the address it came from (the provider's waits). */
  onEvent?: (node: string, what: 'script' | 'first-stage', from: string) => void;
  /**
   * Nodes already installed (their first stage taken), which get the boot-from-disk script; the
   * routes add each node whose first stage they serve. Default: a new, empty set.
   */
  installed?: Set<string>;
}

const reply = (res: ServerResponse, code: number, text: string, type = 'text/plain; charset=utf-8'): void => {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' }).end(text);
};

/** Splits a raw request target into its path and its query (never resolved against a host). */
function target(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const raw = req.url ?? '';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** The iPXE chain's routes, to mount on nkd's boot service (`routes` of startSecretBundleServer). */
export function ipxeRoutes(opts: IpxeRoutesOptions): BootRoute[] {
  const tokens = opts.tokens ?? new OneTimeTokens();
  const ttl = opts.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
  const byMac = new Map(opts.boot.machines.map((m) => [m.mac, m]));
  const files = new Map(opts.firstStages.map((f) => [f.node, f.file]));
  const installed = opts.installed ?? new Set<string>();
  const chain = renderChainScript(opts.boot.baseUrl);
  const from = (req: IncomingMessage): string => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

  const scripts: BootRoute = {
    prefix: IPXE_PREFIX,
    handle(req, res) {
      const { path, query } = target(req);
      if (req.method !== 'GET') return reply(res, 405, 'only GET\n');
      if (path === `${IPXE_PREFIX}boot.ipxe`) return reply(res, 200, chain);
      if (path !== `${IPXE_PREFIX}machine`) return reply(res, 404, 'not found\n');
      const mac = normalizeMac(query.get('mac'));
      const m = mac ? byMac.get(mac) : undefined;
      if (!m) {
        opts.progress.warn(`boot service: no machine script for ${mac ?? 'a malformed MAC'} (from ${from(req)}): the cluster file names no node with that MAC`);
        return reply(res, 404, 'unknown machine\n');
      }
      if (installed.has(m.node)) {
        opts.progress.info(`boot service: node ${m.node} (${m.mac}, from ${from(req)}) is installed: its iPXE script boots the local disk`);
        return reply(res, 200, renderLocalBootScript(m));
      }
      const token = tokens.issue(m.node, m.mac, ttl);
      opts.progress.info(`boot service: node ${m.node} (${m.mac}, from ${from(req)}) took its iPXE script (token ${tokenTag(token)})`);
      reply(res, 200, renderMachineScript(opts.boot, m, token));
      opts.onEvent?.(m.node, 'script', from(req));
    },
  };

  const firstStage: BootRoute = {
    prefix: IGNITION_PREFIX,
    async handle(req, res) {
      const { path, query } = target(req);
      if (req.method !== 'GET') return reply(res, 405, 'only GET\n');
      const token = path.slice(IGNITION_PREFIX.length);
      const mac = normalizeMac(query.get('mac'));
      if (!TOKEN_PATTERN.test(token)) {
        opts.progress.warn(`boot service: refused a first stage to ${from(req)}: not a token nkd issues`);
        return reply(res, 403, 'forbidden\n');
      }
      const r = tokens.redeem(token, mac);
      if (!r.ok) {
        opts.progress.warn(`boot service: refused a first stage to ${from(req)}: ${r.message}`);
        return reply(res, 403, 'forbidden\n');
      }
      const file = files.get(r.node);
      if (!file) {
        opts.progress.warn(`boot service: node ${r.node} has no rendered first stage`);
        return reply(res, 404, 'no first stage\n');
      }
      const bytes = await readFile(file);
      res.writeHead(200, { 'content-type': 'application/vnd.coreos.ignition+json', 'content-length': bytes.length, 'cache-control': 'no-store' });
      res.end(bytes);
      installed.add(r.node);
      opts.progress.ok(`boot service: node ${r.node} (${r.mac}, from ${from(req)}) took its first stage (token ${tokenTag(token)})`);
      opts.onEvent?.(r.node, 'first-stage', from(req));
    },
  };
  return [scripts, firstStage];
}
