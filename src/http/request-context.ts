// First middleware: a request id for every response, and one log line per request.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { logRequest } from './log';

export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = `req_${crypto.randomUUID().replaceAll('-', '')}`;
    c.set('requestId', requestId);
    // Hono turns errors thrown further down into c.res (onError) before we get here.
    await next();
    c.res.headers.set('Request-Id', requestId);
    logRequest(c, c.res.status, Math.round(performance.now() - started));
  };
}
