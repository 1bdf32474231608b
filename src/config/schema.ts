// Every setting the API reads, in one place: its name and its rule. Each
// runtime parses it once: the Node server at start (a bad value exits 2), the
// Worker once per env object, failing each request closed. The README's
// configuration table lists these same names (test/node/configuration.test.ts).
import { MAX_TOKEN_CACHE_TTL_SECONDS } from '../auth/token-cache';
import { parseKeyring } from '../crypto/keyring';
import { DEFAULT_EXPIRY_WARNING_DAYS } from '../oauth-apps/health';
import { parseTokenUrlOverrides } from '../verification/token-endpoint';

/** A setting that does not parse. The message names the variable, never its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Source = Readonly<Record<string, unknown>>;

interface Setting<T, N extends string = string> {
  readonly name: N;
  parse(raw: string | undefined): T;
}

const present = (raw: string | undefined): raw is string => raw !== undefined && raw !== '';

/** An integer from min to max; unset or empty: the fallback. */
function integer<N extends string, F extends number | undefined>(name: N, min: number, max: number, fallback: F): Setting<number | F, N> {
  return {
    name,
    parse(raw) {
      if (!present(raw)) return fallback;
      const value = Number(raw);
      if (!/^[0-9]+$/.test(raw.trim()) || value < min || value > max) {
        throw new ConfigError(`${name} must be an integer from ${min} to ${max}`);
      }
      return value;
    },
  };
}

function oneOf<N extends string, const V extends readonly string[], F extends V[number] | undefined>(name: N, values: V, fallback: F): Setting<V[number] | F, N> {
  return {
    name,
    parse(raw) {
      if (!present(raw)) return fallback;
      if (!values.includes(raw)) throw new ConfigError(`${name} must be ${values.map((v) => `"${v}"`).join(' or ')}`);
      return raw as V[number];
    },
  };
}

/** A decimal from 0 to 1 (a share); unset or empty: undefined. */
function share<N extends string>(name: N): Setting<number | undefined, N> {
  return {
    name,
    parse(raw) {
      if (!present(raw)) return undefined;
      const value = Number(raw);
      if (!/^(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)$/.test(raw.trim()) || !(value >= 0 && value <= 1)) {
        throw new ConfigError(`${name} must be a number from 0 to 1`);
      }
      return value;
    },
  };
}

function text<N extends string, F extends string | undefined>(name: N, fallback: F, rule?: { test: RegExp; says: string }): Setting<string | F, N> {
  return {
    name,
    parse(raw) {
      if (!present(raw)) return fallback;
      if (rule && !rule.test.test(raw)) throw new ConfigError(`${name} must be ${rule.says}`);
      return raw;
    },
  };
}

/** A comma-separated list, each item checked. */
function list<N extends string>(name: N, item: RegExp, says: string): Setting<string[], N> {
  return {
    name,
    parse(raw) {
      if (raw === undefined || raw.trim() === '') return [];
      const items = raw.split(',').map((i) => i.trim()).filter(Boolean);
      if (items.some((i) => !item.test(i))) throw new ConfigError(`${name} must be ${says}`);
      return items;
    },
  };
}

/** An origin as browsers send it: scheme, host, optional port; no path. */
const ORIGIN = /^\*$|^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](:[0-9]{1,5})?$/i;
/** An IPv4 or IPv6 address as a socket reports it. */
const IP_ADDRESS = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$|^(?=.*:)[0-9a-f:.]{2,45}$/i;

const DEFAULT_MAX_APPS_PER_ACCOUNT = 100_000;
const DEFAULT_AUDIT_RETENTION_DAYS = 400;
export const DEFAULT_NODE_PORT = 8788;
export const DEFAULT_LIBSQL_URL = 'file:./data/oauth-apps.db';
const MANY = 1_000_000_000;

/** What both runtimes read. */
export const APP_SETTINGS = {
  /** Checked for shape here; its keys are imported on first use (src/crypto/keyring.ts). */
  encryptionKeyring: {
    name: 'ENCRYPTION_KEYRING' as const,
    parse(raw: string | undefined): string {
      parseKeyring(raw); // throws a KeyringError naming ENCRYPTION_KEYRING
      return raw!;
    },
  },
  tokenCacheTtlSeconds: integer('TOKEN_CACHE_TTL_SECONDS', 0, MAX_TOKEN_CACHE_TTL_SECONDS, MAX_TOKEN_CACHE_TTL_SECONDS),
  /** Kept for the scripts that set it: all = REQUEST_LOG_SAMPLE_RATE 1, errors = 0 (src/http/request-context.ts). */
  requestLog: oneOf('REQUEST_LOG', ['all', 'errors'], undefined),
  /** The share of answers below 400 that get a log line; unset: the runtime's default (src/http/request-context.ts). */
  requestLogSampleRate: share('REQUEST_LOG_SAMPLE_RATE'),
  maxAppsPerAccount: integer('MAX_APPS_PER_ACCOUNT', 0, 100_000_000, DEFAULT_MAX_APPS_PER_ACCOUNT),
  auditRetentionDays: integer('AUDIT_RETENTION_DAYS', 1, 36_500, DEFAULT_AUDIT_RETENTION_DAYS),
  corsOrigins: list('CORS_ORIGINS', ORIGIN, 'a comma-separated list of origins (https://host[:port]) or *'),
  /** The Worker: the [[ratelimits]] binding's limit, for the headers (the binding cannot say it). Node: the limit itself. */
  rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', 0, MANY, undefined),
  unauthenticatedRateLimitPerMinute: integer('UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE', 0, MANY, undefined),
  /** JSON object, provider id -> token URL, in place of the catalog's (staging, tests); the only way to name http:// loopback. */
  providerTokenUrls: {
    name: 'PROVIDER_TOKEN_URLS' as const,
    parse(raw: string | undefined): ReadonlyMap<string, URL> {
      const parsed = parseTokenUrlOverrides(present(raw) ? raw : undefined);
      if ('mustBe' in parsed) throw new ConfigError(`PROVIDER_TOKEN_URLS must be ${parsed.mustBe}`);
      return parsed.overrides;
    },
  },
  verificationsPerAccountPerHour: integer('VERIFICATIONS_PER_ACCOUNT_PER_HOUR', 0, 1_000_000, 120),
  verificationTimeoutSeconds: integer('VERIFICATION_TIMEOUT_SECONDS', 1, 30, 5),
  /** Health warns this many days before client_secret_expires_at (0: only the error, at the time). */
  secretExpiryWarningDays: integer('SECRET_EXPIRY_WARNING_DAYS', 0, 365, DEFAULT_EXPIRY_WARNING_DAYS),
  /** The scheduled run re-verifies verified apps whose last attempt is older than this (0: never). */
  verificationMaxAgeHours: integer('VERIFICATION_MAX_AGE_HOURS', 0, 8760, 24),
  /** Apps the scheduled run verifies per run, at most (each is one outbound request: a Worker invocation has 50 on the free plan). */
  scheduledVerificationsPerRun: integer('SCHEDULED_VERIFICATIONS_PER_RUN', 0, 1000, 20),
  libsqlUrl: text('LIBSQL_URL', undefined),
  libsqlAuthToken: text('LIBSQL_AUTH_TOKEN', undefined),
} satisfies Record<string, Setting<unknown>>;

/** What only the Node server reads. */
export const NODE_SETTINGS = {
  nodeEnv: text('NODE_ENV', undefined),
  port: integer('PORT', 0, 65535, DEFAULT_NODE_PORT),
  host: text('HOST', '127.0.0.1'),
  headersTimeoutSeconds: integer('HEADERS_TIMEOUT_SECONDS', 1, 60, 10),
  requestTimeoutSeconds: integer('REQUEST_TIMEOUT_SECONDS', 1, 600, 30),
  shutdownTimeoutSeconds: integer('SHUTDOWN_TIMEOUT_SECONDS', 1, 600, 10),
  maxConnections: integer('MAX_CONNECTIONS', 1, 1_000_000, 1000),
  trustedProxies: list('TRUSTED_PROXIES', IP_ADDRESS, 'a comma-separated list of IP addresses'),
  clientAddressHeader: text('CLIENT_ADDRESS_HEADER', 'x-forwarded-for', { test: /^[A-Za-z0-9-]+$/, says: 'a header name' }),
  libsqlSyncUrl: text('LIBSQL_SYNC_URL', undefined),
  libsqlSyncIntervalSeconds: integer('LIBSQL_SYNC_INTERVAL_SECONDS', 1, 86_400, undefined),
} satisfies Record<string, Setting<unknown>>;

export type Parsed<S extends Record<string, Setting<unknown>>> = { [K in keyof S]: ReturnType<S[K]['parse']> };
export type AppSettings = Parsed<typeof APP_SETTINGS>;
/** The variable names the app reads, e.g. "TOKEN_CACHE_TTL_SECONDS". */
export type AppSettingName = (typeof APP_SETTINGS)[keyof typeof APP_SETTINGS]['name'];

/** Every setting of the schema from the source (env vars or Worker bindings); throws the first that does not parse. */
export function parseSettings<S extends Record<string, Setting<unknown>>>(schema: S, source: Source): Parsed<S> {
  const parsed: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(schema)) {
    const raw = source[setting.name];
    parsed[key] = setting.parse(typeof raw === 'string' ? raw : undefined);
  }
  return parsed as Parsed<S>;
}

/** The names of every setting, for the README's table. */
export const settingNames = (): string[] => [...Object.values(APP_SETTINGS), ...Object.values(NODE_SETTINGS)].map((s) => s.name);
