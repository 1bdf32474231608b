// Per-token rate limiting through the Workers rate-limiting binding (or the
// Node server's in-memory limiter, which keeps the same contract and tells
// more), and the IETF rate-limit headers (draft-ietf-httpapi-ratelimit-headers):
//   RateLimit-Policy: "token";q=<limit>;w=<seconds>   on every answer the limit applies to
//   RateLimit: "token";r=<remaining>;t=<seconds>     where the limiter knows them (Node)
//   Retry-After: <seconds>                            on a 429: until a request would pass
// The Workers binding answers only allowed or not: it reveals neither the count
// nor where its window stands, so there the policy comes from the
// RATE_LIMIT_PER_MINUTE var (set to the binding's limit), there is no RateLimit
// header, and a 429's Retry-After is the whole period: within it, the key
// passes again.
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

/** The period configured for the binding in wrangler.toml ([[ratelimits]] simple.period). */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/** What a limiter may tell beyond allowed-or-not (the Node server's does; the Workers binding does not). */
export interface LimitOutcome {
  success: boolean;
  /** Requests left in the current window. */
  remaining?: number;
  /** Seconds until the window resets. */
  resetSeconds?: number;
}

/** A limiter that knows its own policy (the Node server's). */
export type DescribedRateLimit = RateLimit & { policy?: { limit: number; periodSeconds: number } };

/** What the answer says of a limit it was subject to. */
export interface RateLimitState {
  name: 'token' | 'unauthenticated';
  limit?: number;
  outcome: LimitOutcome;
}

/** The policy's limit: the limiter's own, else the var describing the binding. */
export function policyLimit(limiter: RateLimit, configured: number | undefined): number | undefined {
  const own = (limiter as DescribedRateLimit).policy?.limit;
  if (own !== undefined) return own;
  return configured !== undefined && configured > 0 ? configured : undefined;
}

/** Seconds a refused key waits: the limiter's reset when it knows it, else the period. */
export const retryAfterSeconds = (outcome: LimitOutcome) =>
  String(Math.max(1, Math.ceil(outcome.resetSeconds ?? RATE_LIMIT_PERIOD_SECONDS)));

export async function enforceRateLimit(c: Context<AppEnv>, key: string): Promise<void> {
  const limiter = c.env.RATE_LIMITER;
  // No binding (e.g. a runtime without one): no limit.
  if (!limiter) return;
  const outcome = (await limiter.limit({ key })) as LimitOutcome;
  c.set('rateLimit', { name: 'token', limit: policyLimit(limiter, c.get('config').rateLimitPerMinute), outcome });
  if (!outcome.success) {
    throw new ApiError('rate_limited', 'Too many requests with this API token; retry after the number of seconds in Retry-After.', {
      headers: { 'Retry-After': retryAfterSeconds(outcome) },
    });
  }
}

/** The rate-limit headers of the limit this answer was subject to, if any. */
export function setRateLimitHeaders(headers: Headers, state: RateLimitState | undefined): void {
  if (!state) return;
  if (state.limit !== undefined) headers.set('RateLimit-Policy', `"${state.name}";q=${state.limit};w=${RATE_LIMIT_PERIOD_SECONDS}`);
  const { remaining, resetSeconds } = state.outcome;
  if (remaining !== undefined && resetSeconds !== undefined) {
    headers.set('RateLimit', `"${state.name}";r=${Math.max(0, remaining)};t=${Math.max(0, Math.ceil(resetSeconds))}`);
  }
}
