// Per-token rate limiting through the Workers rate-limiting binding.
import { ApiError } from './errors';

/** The period configured for the binding in wrangler.toml ([[ratelimits]] simple.period). */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

export async function enforceRateLimit(limiter: RateLimit | undefined, key: string): Promise<void> {
  // No binding (e.g. a runtime without one): no limit.
  if (!limiter) return;
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new ApiError(429, 'Too many requests with this API token; retry after the number of seconds in Retry-After.', {
      headers: { 'Retry-After': String(RATE_LIMIT_PERIOD_SECONDS) },
    });
  }
}
