// An isolate-local cache of verified tokens, keyed by token hash. It saves a
// storage round trip per request; the price is that a revoked token keeps
// working in this isolate for at most the TTL (≤ 30 s). Failures are never cached.
import type { Scope } from './scopes';

export interface VerifiedToken {
  readonly tokenId: string;
  readonly accountId: string;
  readonly scopes: readonly Scope[];
  /** The token's own expiry (ms since epoch), if it has one. */
  readonly expiresAtMs: number | undefined;
}

export const MAX_TOKEN_CACHE_TTL_SECONDS = 30;
const MAX_ENTRIES = 1000;

const entries = new Map<string, { token: VerifiedToken; verifiedAtMs: number }>();

/** A token verified less than ttlSeconds ago and not expired since; a TTL of 0 turns the cache off. */
export function getCachedToken(hash: string, ttlSeconds: number, nowMs: number): VerifiedToken | undefined {
  if (ttlSeconds <= 0) return undefined;
  const entry = entries.get(hash);
  if (!entry) return undefined;
  const { token, verifiedAtMs } = entry;
  if (nowMs - verifiedAtMs >= ttlSeconds * 1000 || (token.expiresAtMs !== undefined && token.expiresAtMs <= nowMs)) {
    entries.delete(hash);
    return undefined;
  }
  return token;
}

export function cacheToken(hash: string, token: VerifiedToken, ttlSeconds: number, nowMs: number): void {
  if (ttlSeconds <= 0) return;
  if (entries.size >= MAX_ENTRIES && !entries.has(hash)) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
  entries.set(hash, { token, verifiedAtMs: nowMs });
}
