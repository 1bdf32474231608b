// Bearer-token authentication and scope checks, as route middleware.
import type { MiddlewareHandler } from 'hono';
import type { Database } from '../db/client';
import { readConfig, type AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { enforceRateLimit } from '../http/rate-limit';
import { hashApiToken, isWellFormedApiToken } from './api-token';
import { parseScopes, type Scope } from './scopes';
import { cacheToken, getCachedToken, type VerifiedToken } from './token-cache';
import { findTokenByHash, touchToken } from './tokens.repository';

const BEARER = /^Bearer +(\S+) *$/i;
/** last_used_at is kept to the minute. */
const LAST_USED_GRANULARITY_MS = 60_000;

function unauthorized(summary: string): ApiError {
  return new ApiError(401, summary, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

/**
 * Authenticates the caller (401), applies the per-token rate limit (429) and,
 * if a scope is given, requires it (403). Sets c.var.auth.
 */
export function requireToken(scope?: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    if (header === undefined) throw unauthorized('Authentication is required: send Authorization: Bearer <API token>.');
    const token = BEARER.exec(header)?.[1];
    if (token === undefined || !isWellFormedApiToken(token)) {
      throw unauthorized('The Authorization header must be "Bearer <API token>" with a well-formed API token.');
    }
    const auth = await verify(c.var.db, token, readConfig(c.env).tokenCacheTtlSeconds);
    c.set('auth', auth);
    await enforceRateLimit(c.env.RATE_LIMITER, auth.tokenId);
    if (scope !== undefined) requireGranted(auth, scope);
    await next();
  };
}

/** 403 unless the token holds `scope`. */
export function requireGranted(auth: VerifiedToken, scope: Scope): void {
  if (!auth.scopes.includes(scope)) throw new ApiError(403, `This API token lacks the ${scope} scope.`);
}

async function verify(db: Database, token: string, ttlSeconds: number): Promise<VerifiedToken> {
  const hash = await hashApiToken(token);
  const now = Date.now();
  const cached = getCachedToken(hash, ttlSeconds, now);
  if (cached) return cached;

  const row = await findTokenByHash(db, hash);
  // Unknown and revoked tokens get the same answer.
  if (!row || row.revokedAt !== null) throw unauthorized('The API token is not valid.');
  const expiresAtMs = row.expiresAt === null ? undefined : Date.parse(row.expiresAt);
  if (expiresAtMs !== undefined && !(expiresAtMs > now)) throw unauthorized('The API token has expired.');

  // Only on a cache miss, and only if the stored time is a minute old: cheap.
  const lastUsedMs = row.lastUsedAt === null ? undefined : Date.parse(row.lastUsedAt);
  if (lastUsedMs === undefined || now - lastUsedMs >= LAST_USED_GRANULARITY_MS) {
    await touchToken(db, row.id, new Date(now), LAST_USED_GRANULARITY_MS);
  }

  const verified: VerifiedToken = {
    tokenId: row.id,
    accountId: row.accountId,
    scopes: parseScopes(row.scopes),
    expiresAtMs,
  };
  cacheToken(hash, verified, ttlSeconds, now);
  return verified;
}
