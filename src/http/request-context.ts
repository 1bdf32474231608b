// First middleware: a request id for every response, and one log line per request.
import type { MiddlewareHandler } from 'hono';
import { readConfig, type AppEnv } from '../env';
import { logRequest } from './log';

export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = `req_${crypto.randomUUID().replaceAll('-', '')}`;
    c.set('requestId', requestId);
    // Hono turns errors thrown further down into c.res (onError) before we get here.
    await next();
    c.res.headers.set('Request-Id', requestId);
    if (c.get('quiet')) return;
    if (c.res.status >= 400 || requestLog(c.env) === 'all') logRequest(c, c.res.status, Math.round(performance.now() - started));
  };
}

/** The setting, or "all" when it does not parse (the request has already answered 500 for it). */
function requestLog(env: Parameters<typeof readConfig>[0]): 'all' | 'errors' {
  try {
    return readConfig(env).requestLog;
  } catch {
    return 'all';
  }
}
