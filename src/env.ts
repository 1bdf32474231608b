// What the Worker is given (bindings, vars, secrets) and the per-request
// variables the middleware sets. Plain configuration is validated once per env object.
import type { VerifiedToken } from './auth/token-cache';
import { MAX_TOKEN_CACHE_TTL_SECONDS } from './auth/token-cache';
import type { Database } from './db/client';
import type { RateLimitState } from './http/rate-limit';
import type { IdempotencyScope } from './idempotency/idempotency.middleware';

export interface Bindings {
  /** D1, the default storage (wrangler.toml [[d1_databases]]). */
  DB?: D1Database;
  /** libSQL over HTTP instead of D1 (Worker build src/index.libsql.ts), e.g. libsql://<db>.turso.io. */
  LIBSQL_URL?: string;
  /** Secret: the libSQL server's auth token (Turso: `turso db tokens create`). */
  LIBSQL_AUTH_TOKEN?: string;
  /** Secret: JSON keyring, see src/crypto/keyring.ts. */
  ENCRYPTION_KEYRING?: string;
  /** Seconds a verified token is trusted without a storage lookup; 0–30, default 30. */
  TOKEN_CACHE_TTL_SECONDS?: string;
  /** "all" (default): a log line per request; "errors": only for answers of 400 and up. */
  REQUEST_LOG?: string;
  /** Per-token rate limit ([[ratelimits]] in wrangler.toml). Absent: no limit. */
  RATE_LIMITER?: RateLimit;
  /** The binding's limit per 60 s, for the RateLimit-Policy header (the binding cannot say it). */
  RATE_LIMIT_PER_MINUTE?: string;
  /** The same for UNAUTHENTICATED_RATE_LIMITER. */
  UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE?: string;
  /**
   * Per-client-address limit on requests without an already verified token
   * (missing, malformed or unknown), checked before any storage lookup
   * ([[ratelimits]] in wrangler.toml). Absent: no limit.
   */
  UNAUTHENTICATED_RATE_LIMITER?: RateLimit;
  /** The most OAuth apps one account may hold; default 100000. */
  MAX_APPS_PER_ACCOUNT?: string;
  /** Days an audit event is kept before the scheduled job purges it; 1–36500, default 400. */
  AUDIT_RETENTION_DAYS?: string;
  /** Static files (public/): the OpenAPI document. Workers Static Assets, or public/ itself on Node. */
  ASSETS?: Fetcher;
  /** Origins browsers may call the API from, comma-separated ("*": any); unset: no CORS. */
  CORS_ORIGINS?: string;
  /**
   * The client's address for a request (the Node server: its socket, or a
   * trusted proxy's header). Absent: the Workers CF-Connecting-IP header.
   */
  CLIENT_ADDRESS?: (request: Request) => string | undefined;
}

export interface Variables {
  requestId: string;
  db: Database;
  auth: VerifiedToken;
  idempotency?: IdempotencyScope;
  /** No request log line for this answer (a flood the unauthenticated limit answers). */
  quiet?: true;
  /** The rate limit this request was counted against, for the answer's headers. */
  rateLimit?: RateLimitState;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}

export interface Config {
  tokenCacheTtlSeconds: number;
  requestLog: 'all' | 'errors';
  maxAppsPerAccount: number;
  auditRetentionDays: number;
  corsOrigins: string[];
}

export const DEFAULT_MAX_APPS_PER_ACCOUNT = 100_000;
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
const MAX_AUDIT_RETENTION_DAYS = 36_500;
const MAX_MAX_APPS_PER_ACCOUNT = 100_000_000;

/** Configuration that does not parse. The message names the setting, never a secret. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const configs = new WeakMap<Bindings, Config>();

export function readConfig(env: Bindings): Config {
  let config = configs.get(env);
  if (!config) {
    config = {
      tokenCacheTtlSeconds: parseTtl(env.TOKEN_CACHE_TTL_SECONDS),
      requestLog: parseRequestLog(env.REQUEST_LOG),
      maxAppsPerAccount: parseMaxApps(env.MAX_APPS_PER_ACCOUNT),
      auditRetentionDays: parseRetention(env.AUDIT_RETENTION_DAYS),
      corsOrigins: parseOrigins(env.CORS_ORIGINS),
    };
    configs.set(env, config);
  }
  return config;
}

function parseRequestLog(raw: string | undefined): Config['requestLog'] {
  if (raw === undefined || raw === '' || raw === 'all') return 'all';
  if (raw === 'errors') return 'errors';
  throw new ConfigError('REQUEST_LOG must be "all" or "errors"');
}

function parseTtl(raw: string | undefined): number {
  if (raw === undefined || raw === '') return MAX_TOKEN_CACHE_TTL_SECONDS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > MAX_TOKEN_CACHE_TTL_SECONDS) {
    throw new ConfigError(`TOKEN_CACHE_TTL_SECONDS must be an integer from 0 to ${MAX_TOKEN_CACHE_TTL_SECONDS}`);
  }
  return value;
}

function parseMaxApps(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_MAX_APPS_PER_ACCOUNT;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value > MAX_MAX_APPS_PER_ACCOUNT) {
    throw new ConfigError(`MAX_APPS_PER_ACCOUNT must be an integer from 0 to ${MAX_MAX_APPS_PER_ACCOUNT}`);
  }
  return value;
}

function parseRetention(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_AUDIT_RETENTION_DAYS;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < 1 || value > MAX_AUDIT_RETENTION_DAYS) {
    throw new ConfigError(`AUDIT_RETENTION_DAYS must be an integer from 1 to ${MAX_AUDIT_RETENTION_DAYS}`);
  }
  return value;
}

/** An origin as browsers send it: scheme, host, optional port; no path. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](:[0-9]{1,5})?$/i;

function parseOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !ORIGIN.test(origin)) {
      throw new ConfigError('CORS_ORIGINS must be a comma-separated list of origins (https://host[:port]) or *');
    }
  }
  return origins;
}
