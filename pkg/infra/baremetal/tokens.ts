/**
 * One-time, MAC-bound tokens for the URLs a bare-metal host fetches its first stage from. The
 * iPXE machine script carries a fresh token; the installer redeems it once, within its time
 * limit, presenting the MAC it was issued for. Only a short hash of a token is ever logged.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Why a token was refused (for the log; the client only sees 403). */
export type TokenRefusal = 'unknown' | 'used' | 'expired' | 'other-mac' | 'superseded';

/** A redeemed token's node and MAC, or the refusal and a sentence saying why. */
export type Redemption =
  | { ok: true; node: string; mac: string }
  | { ok: false; reason: TokenRefusal; message: string; node?: string };

/** What the store needs from outside: a clock and a source of random bytes (tests inject both). */
export interface TokenStoreDeps {
  now?: () => number;
  random?: (bytes: number) => Buffer;
}

interface Issued {
  node: string;
  mac: string;
  expiresAt: number;
  state: 'live' | 'used' | 'superseded';
}

/** 32 random bytes: 256 bits, 43 base64url characters. */
const TOKEN_BYTES = 32;
/** The shape of every token this store issues (base64url, no padding). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A token's name for the log: the first 12 hex digits of its SHA-256, never the token. */
export const tokenTag = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 12);

/**
 * The one-time token store. A token redeems once; a second use, a use after its time limit, a
 * use with another MAC (or none) are refused, each saying why. Issuing a new token for a MAC
 * supersedes the MAC's older unredeemed one, so a host that asks again holds one live token.
 */
export class OneTimeTokens {
  private readonly tokens = new Map<string, Issued>();
  private readonly now: () => number;
  private readonly random: (bytes: number) => Buffer;

  constructor(deps: TokenStoreDeps = {}) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? randomBytes;
  }

  /** Issues a fresh token for `node`'s boot interface `mac`, valid for `ttlMs`. */
  issue(node: string, mac: string, ttlMs: number): string {
    if (!(ttlMs > 0)) throw new Error(`token lifetime must be positive, got ${ttlMs} ms`);
    const now = this.now();
    // Expired tokens are dropped (a late use reads "unknown"); used and superseded ones stay
    // until then, so a refusal names the reason.
    for (const [t, i] of this.tokens) {
      if (i.expiresAt <= now) this.tokens.delete(t);
      else if (i.mac === mac && i.state === 'live') i.state = 'superseded';
    }
    const token = this.random(TOKEN_BYTES).toString('base64url');
    if (!TOKEN_PATTERN.test(token)) throw new Error('token source returned too few bytes');
    this.tokens.set(token, { node, mac, expiresAt: now + ttlMs, state: 'live' });
    return token;
  }

  /** Redeems `token` for `mac`: succeeds once, in time, for the MAC it was issued to. */
  redeem(token: string, mac?: string): Redemption {
    const tag = tokenTag(token);
    const i = this.tokens.get(token);
    if (!i) return { ok: false, reason: 'unknown', message: `token ${tag} is unknown` };
    if (i.state === 'superseded') return { ok: false, reason: 'superseded', node: i.node, message: `token ${tag} for node ${i.node} was superseded by a newer one for ${i.mac}` };
    if (i.state === 'used') return { ok: false, reason: 'used', node: i.node, message: `token ${tag} for node ${i.node} was already used` };
    if (this.now() >= i.expiresAt) return { ok: false, reason: 'expired', node: i.node, message: `token ${tag} for node ${i.node} expired` };
    if (mac !== i.mac) {
      return { ok: false, reason: 'other-mac', node: i.node, message: `token ${tag} for node ${i.node} is bound to ${i.mac}, presented ${mac === undefined ? 'without a MAC' : `with ${mac}`}` };
    }
    i.state = 'used';
    return { ok: true, node: i.node, mac: i.mac };
  }
}
