// First middleware: a request id and the safety headers on every response,
// and one log line per request.
import type { MiddlewareHandler } from 'hono';
import type { AppConfig } from '../config/app-config';
import type { AppEnv } from '../env';
import { newId } from '../util/ids';
import { logRequest } from './log';
import { setRateLimitHeaders } from './rate-limit';

export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = newId('req');
    c.set('requestId', requestId);
    // Hono turns errors thrown further down into c.res (onError) before we get here.
    await next();
    c.res.headers.set('Request-Id', requestId);
    // No answer is to be sniffed as another type (a JSON error echoing input must not render as HTML).
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    setRateLimitHeaders(c.res.headers, c.get('rateLimit'));
    // An answer under /v1 is for its token alone, and may carry a plaintext
    // secret: no cache, shared or private, may keep it.
    if (c.req.path.startsWith('/v1/')) c.res.headers.set('Cache-Control', 'no-store');
    if (c.get('quiet')) return;
    if (c.res.status >= 400 || requestLog(c.get('config')) === 'all') logRequest(c, c.res.status, Math.round(performance.now() - started));
  };
}

/** The setting, or "all" when the configuration did not parse (the request has answered 500 for it). */
const requestLog = (config: AppConfig | undefined) => config?.requestLog ?? 'all';
