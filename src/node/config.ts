// The Node server's settings, from environment variables, checked once at start.
import { DEFAULT_LIBSQL_URL, type LibsqlSettings } from '../db/libsql-node';
import { ConfigError, type Bindings } from '../env';
import { RATE_LIMIT_PERIOD_SECONDS } from '../http/rate-limit';
import { ensureLocalKeyring } from './local-keyring';
import { memoryRateLimiter } from './rate-limiter';

export interface NodeConfig {
  port: number;
  hostname: string;
  libsql: LibsqlSettings;
  /** What the app is given in place of Worker bindings. */
  env: Bindings;
  /** Where the keyring came from, for the start-up banner. */
  keyringSource: 'ENCRYPTION_KEYRING' | 'a new local keyring in .dev.vars' | 'the local keyring in .dev.vars';
}

export const DEFAULT_NODE_PORT = 8788;
const DEFAULT_RATE_LIMIT = 1000; // per token per minute, as wrangler.toml [[ratelimits]]

/**
 * Reads the configuration. Outside production an unset ENCRYPTION_KEYRING
 * means the local development keyring (.dev.vars, created if missing); with
 * NODE_ENV=production it is an error.
 */
export function readNodeConfig(environ: NodeJS.ProcessEnv = process.env): NodeConfig {
  const port = integer(environ, 'PORT', DEFAULT_NODE_PORT, 0, 65535);
  const rateLimit = integer(environ, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT, 0, 1_000_000_000);
  const syncInterval = environ.LIBSQL_SYNC_INTERVAL_SECONDS ? integer(environ, 'LIBSQL_SYNC_INTERVAL_SECONDS', 60, 1, 86_400) : undefined;

  let keyring = environ.ENCRYPTION_KEYRING;
  let keyringSource: NodeConfig['keyringSource'] = 'ENCRYPTION_KEYRING';
  if (!keyring) {
    if (environ.NODE_ENV === 'production') throw new ConfigError('ENCRYPTION_KEYRING is required when NODE_ENV=production');
    const local = ensureLocalKeyring();
    keyring = local.keyring;
    keyringSource = local.generated ? 'a new local keyring in .dev.vars' : 'the local keyring in .dev.vars';
  }

  return {
    port,
    hostname: environ.HOST || '127.0.0.1',
    libsql: {
      url: environ.LIBSQL_URL || DEFAULT_LIBSQL_URL,
      authToken: environ.LIBSQL_AUTH_TOKEN || undefined,
      syncUrl: environ.LIBSQL_SYNC_URL || undefined,
      syncIntervalSeconds: syncInterval,
    },
    env: {
      ENCRYPTION_KEYRING: keyring,
      TOKEN_CACHE_TTL_SECONDS: environ.TOKEN_CACHE_TTL_SECONDS,
      REQUEST_LOG: environ.REQUEST_LOG,
      RATE_LIMITER: rateLimit > 0 ? memoryRateLimiter(rateLimit, RATE_LIMIT_PERIOD_SECONDS) : undefined,
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
