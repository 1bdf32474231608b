// The limit on requests that do not carry an already verified token: missing,
// malformed or unknown tokens, counted per client address. It runs before any
// storage lookup: an address past its allowance is refused (429) without a
// hash lookup in storage, until the period ends. A token verified in this
// instance (the token cache) never reaches it, and neither does a valid
// token's lookup: only refusals are counted.
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';
import { logEvent } from './log';
import { policyLimit, RATE_LIMIT_PERIOD_SECONDS, type LimitOutcome } from './rate-limit';

/** Addresses past the limit, until when (ms). Bounded: an attacker rotating addresses cannot grow it without end. */
const blockedUntil = new Map<string, number>();
const MAX_BLOCKED = 10_000;

/**
 * The client's address: the Node server's (socket or trusted proxy), else
 * Cloudflare's CF-Connecting-IP. Where the server knows addresses, a header
 * never stands in for one it lacks: on Node any client can send CF-Connecting-IP.
 */
export function clientAddress(c: Context<AppEnv>): string {
  if (c.env.CLIENT_ADDRESS) return c.env.CLIENT_ADDRESS(c.req.raw) ?? 'unknown';
  return c.req.header('CF-Connecting-IP') ?? 'unknown';
}

function refused(c: Context<AppEnv>, untilMs: number, nowMs: number): ApiError {
  // The flood is answered; one log line per address and period says so (see countRefusal), not one per request.
  c.set('quiet', true);
  return new ApiError(
    'unauthenticated_rate_limited',
    'Too many requests without a valid API token from this address; retry after the number of seconds in Retry-After.',
    { headers: { 'Retry-After': String(Math.max(1, Math.ceil((untilMs - nowMs) / 1000))) } },
  );
}

/** 429 if the caller's address has spent its allowance (no counting, no storage). */
export function refuseIfBlocked(c: Context<AppEnv>, nowMs = Date.now()): void {
  if (!c.env.UNAUTHENTICATED_RATE_LIMITER) return;
  const address = clientAddress(c);
  const until = blockedUntil.get(address);
  if (until === undefined) return;
  if (until > nowMs) throw refused(c, until, nowMs);
  blockedUntil.delete(address);
}

/**
 * Counts a request refused for its token against its address; returns the
 * 429 to answer instead of the 401 once the address is past the limit.
 */
export async function countRefusal(c: Context<AppEnv>, unauthorized: ApiError): Promise<ApiError> {
  const limiter = c.env.UNAUTHENTICATED_RATE_LIMITER;
  if (!limiter) return unauthorized;
  const address = clientAddress(c);
  const outcome = (await limiter.limit({ key: address })) as LimitOutcome;
  c.set('rateLimit', { name: 'unauthenticated', limit: policyLimit(limiter, c.get('config').unauthenticatedRateLimitPerMinute), outcome });
  if (outcome.success) return unauthorized;
  const now = Date.now();
  // Blocked until the limiter's window resets when it says when (Node), else for a whole period.
  const until = now + (outcome.resetSeconds ?? RATE_LIMIT_PERIOD_SECONDS) * 1000;
  if (!blockedUntil.has(address)) {
    if (blockedUntil.size >= MAX_BLOCKED) blockedUntil.clear();
    logEvent('unauthenticated limit reached', { address: address.slice(0, 64), request_id: c.get('requestId') });
  }
  blockedUntil.set(address, until);
  return refused(c, until, now);
}
