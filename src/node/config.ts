// The Node server's settings: src/config/schema.ts, every one parsed here once,
// at start (main.ts exits 2 on the first that does not parse, naming it).
import type { AppConfig } from '../config/app-config';
import { APP_SETTINGS, ConfigError, DEFAULT_LIBSQL_URL, DEFAULT_NODE_PORT, NODE_SETTINGS, parseSettings } from '../config/schema';
import type { LibsqlSettings } from '../db/libsql-node';
import type { Bindings } from '../env';
import { RATE_LIMIT_PERIOD_SECONDS } from '../http/rate-limit';
import { ensureLocalKeyring } from './local-keyring';
import { memoryRateLimiter } from './rate-limiter';
import type { ServerLimits } from './server';

export { DEFAULT_NODE_PORT };

export interface NodeConfig {
  port: number;
  hostname: string;
  libsql: LibsqlSettings;
  /** The app's settings, parsed. */
  app: AppConfig;
  /** What the app is given in place of Worker bindings. */
  env: Bindings;
  /** Timeouts, the connection cap, and whose address a request is counted under. */
  limits: ServerLimits;
  /** How long SIGTERM waits for requests in flight before it closes their connections. */
  shutdownTimeoutMs: number;
  /** Where the keyring came from, for the start-up banner. */
  keyringSource: 'ENCRYPTION_KEYRING' | 'a new local keyring in .dev.vars' | 'the local keyring in .dev.vars';
}

/** Node's limits when unset, as wrangler.toml's [[ratelimits]]: per token, per client address, per minute. */
const DEFAULT_RATE_LIMIT = 1000;
const DEFAULT_UNAUTHENTICATED_RATE_LIMIT = 300;

/**
 * Reads the configuration. Outside production an unset ENCRYPTION_KEYRING
 * means the local development keyring (.dev.vars, created if missing); with
 * NODE_ENV=production it is an error.
 */
export function readNodeConfig(environ: NodeJS.ProcessEnv = process.env): NodeConfig {
  // Every setting but the keyring first: a bad one stops the start before anything is written.
  const node = parseSettings(NODE_SETTINGS, environ);
  if (node.headersTimeoutSeconds > node.requestTimeoutSeconds) {
    throw new ConfigError('HEADERS_TIMEOUT_SECONDS must not exceed REQUEST_TIMEOUT_SECONDS');
  }
  const { encryptionKeyring: keyringSetting, ...others } = APP_SETTINGS;
  const parsed = parseSettings(others, environ);

  let keyring = environ.ENCRYPTION_KEYRING;
  let keyringSource: NodeConfig['keyringSource'] = 'ENCRYPTION_KEYRING';
  if (!keyring) {
    if (node.nodeEnv === 'production') throw new ConfigError('ENCRYPTION_KEYRING is required when NODE_ENV=production');
    const local = ensureLocalKeyring();
    keyring = local.keyring;
    keyringSource = local.generated ? 'a new local keyring in .dev.vars' : 'the local keyring in .dev.vars';
  }
  const rateLimit = parsed.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT;
  const unauthenticatedLimit = parsed.unauthenticatedRateLimitPerMinute ?? DEFAULT_UNAUTHENTICATED_RATE_LIMIT;
  const app: AppConfig = {
    ...parsed,
    encryptionKeyring: keyringSetting.parse(keyring),
    rateLimitPerMinute: rateLimit,
    unauthenticatedRateLimitPerMinute: unauthenticatedLimit,
  };

  const env: Bindings = {
    RATE_LIMITER: rateLimit > 0 ? memoryRateLimiter(rateLimit, RATE_LIMIT_PERIOD_SECONDS) : undefined,
    UNAUTHENTICATED_RATE_LIMITER: unauthenticatedLimit > 0 ? memoryRateLimiter(unauthenticatedLimit, RATE_LIMIT_PERIOD_SECONDS) : undefined,
  };

  return {
    port: node.port,
    hostname: node.host,
    libsql: {
      url: app.libsqlUrl ?? DEFAULT_LIBSQL_URL,
      authToken: app.libsqlAuthToken,
      syncUrl: node.libsqlSyncUrl,
      syncIntervalSeconds: node.libsqlSyncIntervalSeconds,
    },
    app,
    env,
    limits: {
      headersTimeoutMs: node.headersTimeoutSeconds * 1000,
      requestTimeoutMs: node.requestTimeoutSeconds * 1000,
      maxConnections: node.maxConnections,
      trustedProxies: node.trustedProxies,
      clientAddressHeader: node.clientAddressHeader.toLowerCase(),
    },
    shutdownTimeoutMs: node.shutdownTimeoutSeconds * 1000,
    keyringSource,
  };
}
