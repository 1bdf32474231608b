// One error type, rendered in one place, in the API's one error shape:
// {"code": "...", "summary": "...", "validation_errors"?: {...}, "request_id": "..."}.
// The code names the cause (src/http/error-codes.ts) and sets the status.
import type { Context, ErrorHandler, Handler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { KeyringError } from '../crypto/keyring';
import { isStorageBusy } from '../db/errors';
import { ConfigError } from '../config/schema';
import type { AppEnv } from '../env';
import { ERROR_STATUS, type ErrorCode } from './error-codes';
import { logError } from './log';

export type ValidationErrors = Record<string, string[]>;

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    readonly summary: string,
    readonly extra: {
      validationErrors?: ValidationErrors;
      headers?: Record<string, string>;
      /** Extra documented fields of the body, e.g. existing_id on a 409. */
      fields?: Record<string, string>;
    } = {},
  ) {
    super(summary);
    this.status = ERROR_STATUS[code];
  }
}

const MISCONFIGURED = 'The server is misconfigured and cannot process this request; nothing was changed.';
const UNEXPECTED = 'An unexpected error occurred. Quote the request id if you contact support.';
const STORAGE_BUSY =
  'Storage is busy or unreachable; retry after the number of seconds in Retry-After (with the same Idempotency-Key, the retry cannot apply a write twice).';
const STORAGE_RETRY_AFTER_SECONDS = 1;

export function renderError(c: Context<AppEnv>, error: ApiError): Response {
  const body: Record<string, unknown> = { code: error.code, summary: error.summary };
  if (error.extra.validationErrors) body.validation_errors = error.extra.validationErrors;
  Object.assign(body, error.extra.fields);
  body.request_id = c.get('requestId');
  return c.json(body, error.status, error.extra.headers);
}

export const handleError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return renderError(c, err);
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own refusals (its validator's malformed JSON, the only one it makes here) in our shape.
    return renderError(c, new ApiError('body_not_json', 'The request body is not valid JSON.'));
  }
  if (err instanceof KeyringError || err instanceof ConfigError) {
    // Fail closed: the operator reads why in the log, the caller gets no details.
    logError(c, 'server misconfigured', err);
    return renderError(c, new ApiError('misconfigured', MISCONFIGURED));
  }
  if (isStorageBusy(err)) {
    logError(c, 'storage busy', err);
    return renderError(c, new ApiError('storage_unavailable', STORAGE_BUSY, { headers: { 'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS) } }));
  }
  logError(c, 'unhandled error', err);
  return renderError(c, new ApiError('internal_error', UNEXPECTED));
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(c, new ApiError('route_not_found', `No route matches ${c.req.method} ${truncate(c.req.path, 200)}.`));

/** Registered after a path's real methods: Hono has no automatic 405. */
export function methodNotAllowed(allowed: readonly string[]): Handler<AppEnv> {
  const allow = allowed.join(', ');
  return (c) =>
    renderError(
      c,
      new ApiError('method_not_allowed', `Method ${truncate(c.req.method, 20)} is not allowed here; allowed: ${allow}.`, {
        headers: { Allow: allow },
      }),
    );
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
