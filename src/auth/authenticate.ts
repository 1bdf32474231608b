// Bearer-token authentication and scope checks, as route middleware.
import type { MiddlewareHandler } from 'hono';
import type { Database } from '../db/client';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { enforceRateLimit } from '../http/rate-limit';
import { countRefusal, refuseIfBlocked } from '../http/unauthenticated-limit';
import { hashApiToken, isWellFormedApiToken } from './api-token';
import { grants, parseScopes, type Scope } from './scopes';
import { cacheToken, getCachedToken, type VerifiedToken } from './token-cache';
import { findTokenByHash, touchToken } from './tokens.repository';

const BEARER = /^Bearer +(\S+) *$/i;
/** last_used_at is kept to the minute. */
const LAST_USED_GRANULARITY_MS = 60_000;

function unauthorized(code: 'authentication_required' | 'authorization_malformed' | 'token_invalid' | 'token_expired', summary: string): ApiError {
  return new ApiError(code, summary, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

/**
 * Authenticates the caller (401, or 429 from the unauthenticated limit),
 * applies the per-token rate limit (429) and, if a scope is given, requires
 * it (403); given several, any one of them. Sets the auth variable.
 */
export function requireToken(scope?: Scope | Scope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined || !isWellFormedApiToken(token)) {
      refuseIfBlocked(c);
      throw await countRefusal(
        c,
        header === undefined
          ? unauthorized('authentication_required', 'Authentication is required: send Authorization: Bearer <API token>.')
          : unauthorized('authorization_malformed', 'The Authorization header must be "Bearer <API token>" with a well-formed API token.'),
      );
    }
    const { tokenCacheTtlSeconds } = c.get('config');
    const hash = await hashApiToken(token);
    // A token verified in this instance skips the unauthenticated limit; any other is refused
    // before its storage lookup once its address has spent the allowance.
    let auth = getCachedToken(hash, tokenCacheTtlSeconds, Date.now());
    if (!auth) {
      refuseIfBlocked(c);
      try {
        auth = await verify(c.get('db'), hash, tokenCacheTtlSeconds);
      } catch (err) {
        throw err instanceof ApiError && err.status === 401 ? await countRefusal(c, err) : err;
      }
    }
    c.set('auth', auth);
    await enforceRateLimit(c, auth.tokenId);
    if (scope !== undefined) requireGranted(auth, scope);
    await next();
  };
}

/** 403 unless the token holds `scope` (or, given several, one of them); oauth_apps:write implies oauth_apps:read. */
export function requireGranted(auth: VerifiedToken, scope: Scope | Scope[]): void {
  const wanted = Array.isArray(scope) ? scope : [scope];
  if (wanted.some((s) => grants(auth.scopes, s))) return;
  throw new ApiError('scope_missing', `This API token lacks the ${wanted.join(' or ')} scope.`);
}

/** Looks the token (its hash) up in storage; caches it once verified. */
async function verify(db: Database, hash: string, ttlSeconds: number): Promise<VerifiedToken> {
  const now = Date.now();
  const row = await findTokenByHash(db, hash);
  // Unknown and revoked tokens get the same answer.
  if (!row || row.revokedAt !== null) throw unauthorized('token_invalid', 'The API token is not valid.');
  const expiresAtMs = row.expiresAt === null ? undefined : Date.parse(row.expiresAt);
  if (expiresAtMs !== undefined && !(expiresAtMs > now)) throw unauthorized('token_expired', 'The API token has expired.');

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
