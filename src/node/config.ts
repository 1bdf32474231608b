// The Node server's settings, from environment variables, checked once at start.
import { DEFAULT_LIBSQL_URL, type LibsqlSettings } from '../db/libsql-node';
import { ConfigError, readConfig, type Bindings } from '../env';
import { RATE_LIMIT_PERIOD_SECONDS } from '../http/rate-limit';
import { ensureLocalKeyring } from './local-keyring';
import { memoryRateLimiter } from './rate-limiter';
import type { ServerLimits } from './server';

export interface NodeConfig {
  port: number;
  hostname: string;
  libsql: LibsqlSettings;
  /** What the app is given in place of Worker bindings. */
  env: Bindings;
  /** Timeouts, the connection cap, and whose address a request is counted under. */
  limits: ServerLimits;
  /** Where the keyring came from, for the start-up banner. */
  keyringSource: 'ENCRYPTION_KEYRING' | 'a new local keyring in .dev.vars' | 'the local keyring in .dev.vars';
}

export const DEFAULT_NODE_PORT = 8788;
const DEFAULT_RATE_LIMIT = 1000; // per token per minute, as wrangler.toml [[ratelimits]]
const DEFAULT_UNAUTHENTICATED_RATE_LIMIT = 300; // per client address per minute, as wrangler.toml

/**
 * Reads the configuration. Outside production an unset ENCRYPTION_KEYRING
 * means the local development keyring (.dev.vars, created if missing); with
 * NODE_ENV=production it is an error.
 */
export function readNodeConfig(environ: NodeJS.ProcessEnv = process.env): NodeConfig {
  const port = integer(environ, 'PORT', DEFAULT_NODE_PORT, 0, 65535);
  const rateLimit = integer(environ, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT, 0, 1_000_000_000);
  const unauthenticatedLimit = integer(environ, 'UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE', DEFAULT_UNAUTHENTICATED_RATE_LIMIT, 0, 1_000_000_000);
  const headersTimeout = integer(environ, 'HEADERS_TIMEOUT_SECONDS', 10, 1, 60);
  const requestTimeout = integer(environ, 'REQUEST_TIMEOUT_SECONDS', 30, 1, 600);
  if (headersTimeout > requestTimeout) throw new ConfigError('HEADERS_TIMEOUT_SECONDS must not exceed REQUEST_TIMEOUT_SECONDS');
  const maxConnections = integer(environ, 'MAX_CONNECTIONS', 1000, 1, 1_000_000);
  const trustedProxies = (environ.TRUSTED_PROXIES ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const clientAddressHeader = (environ.CLIENT_ADDRESS_HEADER || 'x-forwarded-for').toLowerCase();
  if (!/^[a-z0-9-]+$/.test(clientAddressHeader)) throw new ConfigError('CLIENT_ADDRESS_HEADER must be a header name');
  const syncInterval = environ.LIBSQL_SYNC_INTERVAL_SECONDS ? integer(environ, 'LIBSQL_SYNC_INTERVAL_SECONDS', 60, 1, 86_400) : undefined;

  let keyring = environ.ENCRYPTION_KEYRING;
  let keyringSource: NodeConfig['keyringSource'] = 'ENCRYPTION_KEYRING';
  if (!keyring) {
    if (environ.NODE_ENV === 'production') throw new ConfigError('ENCRYPTION_KEYRING is required when NODE_ENV=production');
    const local = ensureLocalKeyring();
    keyring = local.keyring;
    keyringSource = local.generated ? 'a new local keyring in .dev.vars' : 'the local keyring in .dev.vars';
  }

  const env: Bindings = {
    ENCRYPTION_KEYRING: keyring,
    TOKEN_CACHE_TTL_SECONDS: environ.TOKEN_CACHE_TTL_SECONDS,
    REQUEST_LOG: environ.REQUEST_LOG,
    MAX_APPS_PER_ACCOUNT: environ.MAX_APPS_PER_ACCOUNT,
    AUDIT_RETENTION_DAYS: environ.AUDIT_RETENTION_DAYS,
    CORS_ORIGINS: environ.CORS_ORIGINS,
    RATE_LIMITER: rateLimit > 0 ? memoryRateLimiter(rateLimit, RATE_LIMIT_PERIOD_SECONDS) : undefined,
    UNAUTHENTICATED_RATE_LIMITER:
      unauthenticatedLimit > 0 ? memoryRateLimiter(unauthenticatedLimit, RATE_LIMIT_PERIOD_SECONDS) : undefined,
  };
  // The settings the app reads per request, checked now: a bad one stops the start (exit 2).
  readConfig(env);

  return {
    port,
    hostname: environ.HOST || '127.0.0.1',
    libsql: {
      url: environ.LIBSQL_URL || DEFAULT_LIBSQL_URL,
      authToken: environ.LIBSQL_AUTH_TOKEN || undefined,
      syncUrl: environ.LIBSQL_SYNC_URL || undefined,
      syncIntervalSeconds: syncInterval,
    },
    env,
    limits: {
      headersTimeoutMs: headersTimeout * 1000,
      requestTimeoutMs: requestTimeout * 1000,
      maxConnections,
      trustedProxies,
      clientAddressHeader,
    },
    keyringSource,
  };
}

function integer(environ: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = environ[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
