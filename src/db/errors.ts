// Storage errors that mean "not now" rather than "broken": the engine shed
// load, timed out, or could not be reached. The API answers them 503 with
// Retry-After instead of 500.
import { DrizzleQueryError } from 'drizzle-orm';

const THROTTLED_HTTP = new Set([429, 502, 503, 504]);
// D1's retryable failures, as its documentation names them.
const D1_RETRYABLE = /D1_ERROR.*(overloaded|Network connection lost|storage operation exceeded timeout|reset because its code was updated)/i;
// A connection that failed: Node's socket errors, workerd's fetch failure.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const WORKERD_NETWORK = /^Network connection lost\.?$/;

function chainOf(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let current = err; current instanceof Error && chain.length < 6; current = current.cause) chain.push(current);
  return chain;
}

function throttled(e: Error): boolean {
  const { status, code } = e as { status?: unknown; code?: unknown };
  // A libSQL server (sqld, Turso) refusing or failing over HTTP.
  if (e.name === 'HttpServerError' && typeof status === 'number' && THROTTLED_HTTP.has(status)) return true;
  // A libSQL file locked by another writer for longer than the busy timeout.
  return code === 'SQLITE_BUSY' || D1_RETRYABLE.test(e.message);
}

function unreachable(e: Error): boolean {
  const { code } = e as { code?: unknown };
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || WORKERD_NETWORK.test(e.message);
}

export function isStorageBusy(err: unknown): boolean {
  const chain = chainOf(err);
  if (chain.some(throttled)) return true;
  // A network failure counts only under a query's error: other failures are not storage's.
  return chain[0] instanceof DrizzleQueryError && chain.some(unreachable);
}
