// Storage errors that mean "not now" rather than "broken": the engine shed
// load or timed out. The API answers them 503 with Retry-After instead of 500.

const THROTTLED_HTTP = new Set([429, 502, 503, 504]);
// D1's retryable failures, as its documentation names them.
const D1_RETRYABLE = /D1_ERROR.*(overloaded|Network connection lost|storage operation exceeded timeout|reset because its code was updated)/i;

export function isStorageBusy(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 6; depth++) {
    const { status, code } = current as { status?: unknown; code?: unknown };
    // A libSQL server (sqld, Turso) refusing or failing over HTTP.
    if (current.name === 'HttpServerError' && typeof status === 'number' && THROTTLED_HTTP.has(status)) return true;
    // A libSQL file locked by another writer for longer than the busy timeout.
    if (code === 'SQLITE_BUSY') return true;
    if (D1_RETRYABLE.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
