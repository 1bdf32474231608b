// Structured JSON logs. Only fields chosen here are written: never a body,
// a header value, a token or a secret.
import { DrizzleQueryError } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../env';

/**
 * One JSON line: when (ISO 8601, UTC), level, message, then the fields. The
 * request id is among the fields of every line about a request.
 */
export function writeLog(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

export function logRequest(c: Context<AppEnv>, status: number, durationMs: number): void {
  writeLog('info', 'request', {
    method: c.req.method,
    path: c.req.path.slice(0, 256),
    status,
    duration_ms: durationMs,
    request_id: c.get('requestId'),
    account_id: c.get('auth')?.accountId ?? null,
  });
}

/** A log line about work outside a request (the cron trigger, the Node server's start and stop). */
export function logEvent(msg: string, fields: Record<string, string | number | boolean | null>): void {
  writeLog('info', msg, fields);
}

export function logError(c: Context<AppEnv>, msg: string, err: unknown): void {
  writeLog('error', msg, { request_id: c.get('requestId'), error: describeError(err) });
}

/**
 * Name, message and stack of an error and its causes. drizzle's query errors
 * put the bound parameters in their message, so for those only the cause is kept.
 */
export function describeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  // Its name is plain "Error": only the class tells.
  const paramsInMessage = err instanceof DrizzleQueryError;
  const described: Record<string, unknown> = {
    name: paramsInMessage ? 'DrizzleQueryError' : err.name,
    message: paramsInMessage ? `query failed (parameters withheld): ${err.query.slice(0, 500)}` : err.message,
    stack: paramsInMessage ? undefined : err.stack,
  };
  if (err.cause !== undefined && depth < 3) described.cause = describeError(err.cause, depth + 1);
  return described;
}
