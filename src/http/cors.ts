// CORS, opt-in: CORS_ORIGINS lists the origins a browser may call the API
// from (comma-separated, e.g. "https://console.example.com"; "*" for any).
// Unset, nothing changes: no CORS headers, OPTIONS answers 405. Bearer tokens
// only, so never Access-Control-Allow-Credentials.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

const ALLOW_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key, If-Match, x-d1-bookmark';
const EXPOSE_HEADERS = 'Request-Id, ETag, x-d1-bookmark, Idempotent-Replayed, Retry-After, RateLimit, RateLimit-Policy';
/** How long a browser may keep a preflight's answer. */
const MAX_AGE_SECONDS = 600;

export function cors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { corsOrigins } = c.get('config');
    if (corsOrigins.length === 0) return next();
    const origin = c.req.header('Origin');
    const allowed = origin !== undefined && (corsOrigins.includes('*') || corsOrigins.includes(origin));
    // A preflight (Fetch standard: OPTIONS with Access-Control-Request-Method) from an allowed origin.
    if (allowed && c.req.method === 'OPTIONS' && c.req.header('Access-Control-Request-Method') !== undefined) {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': String(MAX_AGE_SECONDS),
        Vary: 'Origin',
      });
    }
    await next();
    // Whatever the answer varies by origin once CORS is on: caches must not mix them.
    c.res.headers.append('Vary', 'Origin');
    if (!allowed) return;
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  };
}
