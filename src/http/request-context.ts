// First middleware: a request id and the safety headers on every response,
// and the request's log line when the logging policy below asks for one.
import type { MiddlewareHandler } from 'hono';
import type { AppConfig } from '../config/app-config';
import type { AppEnv } from '../env';
import { newId } from '../util/ids';
import { logRequest } from './log';
import { setRateLimitHeaders } from './rate-limit';

/** Where the app runs: it decides the logging default and whether Cloudflare's Ray ID can be trusted. */
export type Runtime = 'workers' | 'node';

/**
 * The share of answers below 400 given a log line when neither
 * REQUEST_LOG_SAMPLE_RATE nor REQUEST_LOG is set. On Workers the platform
 * records every invocation (Workers Logs, [observability] in wrangler.toml),
 * and a console line is work in the request; on Node nothing else records it.
 */
export const DEFAULT_SUCCESS_LOG_RATE: Readonly<Record<Runtime, number>> = { workers: 0, node: 1 };

/** REQUEST_LOG_SAMPLE_RATE, else REQUEST_LOG (all = 1, errors = 0), else the runtime's default. */
export function successLogRate(config: AppConfig, runtime: Runtime): number {
  if (config.requestLogSampleRate !== undefined) return config.requestLogSampleRate;
  if (config.requestLog !== undefined) return config.requestLog === 'all' ? 1 : 0;
  return DEFAULT_SUCCESS_LOG_RATE[runtime];
}

// Cloudflare's Ray ID as a Worker receives it: 16 hex digits, then the data centre.
const RAY = /^([0-9a-f]{16})(-[A-Z0-9]{3,4})?$/;

/**
 * req_ and 32 hex digits. On Workers the first 16 are the request's Ray ID
 * (set by Cloudflare, not by the client), so Workers Logs' record of any
 * invocation, logged by us or not, is found from the Request-Id alone.
 */
function requestIdOf(rayHeader: string | undefined, runtime: Runtime): string {
  const ray = runtime === 'workers' && rayHeader !== undefined ? RAY.exec(rayHeader)?.[1] : undefined;
  const id = newId('req');
  return ray === undefined ? id : `req_${ray}${id.slice(20)}`;
}

export function requestContext(runtime: Runtime): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header('cf-ray'), runtime);
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
    // Probes, and the flood the unauthenticated limit answers (one line per address and period instead).
    if (c.get('quiet')) return;
    const config = c.get('config');
    // Every answer of 400 and up; of the rest, the configured share. A request
    // whose configuration did not parse has answered 500, so it is logged.
    const status = c.res.status;
    if (status >= 400 || !config || sampled(successLogRate(config, runtime))) {
      logRequest(c, status, Math.round(performance.now() - started));
    }
  };
}

const sampled = (rate: number) => rate >= 1 || (rate > 0 && Math.random() < rate);
