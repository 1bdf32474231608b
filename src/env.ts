// What the Worker is given (bindings, vars, secrets) and the per-request
// variables the middleware sets. The rules for each setting live in
// src/config/schema.ts; this file only names the types.
import type { VerifiedToken } from './auth/token-cache';
import type { AppConfig } from './config/app-config';
import type { AppSettingName } from './config/schema';
import type { Database } from './db/client';
import type { RateLimitState } from './http/rate-limit';
import type { IdempotencyScope } from './idempotency/idempotency.middleware';

/**
 * The Worker's bindings, and every setting of src/config/schema.ts as a var or
 * secret (wrangler.toml [vars], `wrangler secret put`). Handlers read settings
 * parsed, from the config variable (c.get('config')), never from here.
 */
export type Bindings = Partial<Record<AppSettingName, string>> & {
  /** D1, the default storage (wrangler.toml [[d1_databases]]). */
  DB?: D1Database;
  /** Per-token rate limit ([[ratelimits]] in wrangler.toml). Absent: no limit. */
  RATE_LIMITER?: RateLimit;
  /**
   * Per-client-address limit on requests without an already verified token
   * (missing, malformed or unknown), checked before any storage lookup
   * ([[ratelimits]] in wrangler.toml). Absent: no limit.
   */
  UNAUTHENTICATED_RATE_LIMITER?: RateLimit;
  /** Static files (public/): the OpenAPI document. Workers Static Assets, or public/ itself on Node. */
  ASSETS?: Fetcher;
  /**
   * The client's address for a request (the Node server: its socket, or a
   * trusted proxy's header). Absent: the Workers CF-Connecting-IP header.
   */
  CLIENT_ADDRESS?: (request: Request) => string | undefined;
};

export interface Variables {
  requestId: string;
  /** The parsed settings (src/config/app-config.ts). */
  config: AppConfig;
  db: Database;
  auth: VerifiedToken;
  idempotency?: IdempotencyScope;
  /** The JSON body, read and parsed once by jsonBody() (src/http/json-body.ts). */
  body?: unknown;
  /** No request log line for this answer (a flood the unauthenticated limit answers). */
  quiet?: true;
  /** The rate limit this request was counted against, for the answer's headers. */
  rateLimit?: RateLimitState;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
