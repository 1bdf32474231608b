// Request schemas for OAuth apps. zod/mini, imported by name: the Worker
// carries only what it uses, and z.toJSONSchema can still turn these into
// the OpenAPI document later (refinements are invisible there, so each is
// also said in words in the README).
import {
  enum as zEnum,
  maxLength,
  never,
  nullable,
  object,
  optional,
  pipe,
  record,
  refine,
  regex,
  string,
  strictObject,
  unknown,
  type output,
} from 'zod/mini';
import { utf8 } from '../crypto/encoding';
import { MAX_PAGE_SIZE } from '../http/pagination';
import { PROVIDER_IDS } from '../providers/providers';
import { isWellFormed, unfaithfulReason, WELL_FORMED_REASON } from '../util/json-values';

export const LIMITS = {
  name: 255,
  clientId: 512,
  clientSecret: 4096,
  metadataBytes: 16 * 1024,
  metadataDepth: 32,
  /** Top-level keys of an app's metadata: each is a row of the filter's index. */
  metadataKeys: 50,
  /** The list's metadata filter: keys, each key's length, each value's length as JSON. */
  filterKeys: 10,
  filterKeyLength: 255,
  filterValueLength: 512,
  /** provider_settings: the few values a provider's token endpoint template takes. */
  providerSettings: 10,
  providerSettingLength: 255,
  pageSize: MAX_PAGE_SIZE,
} as const;

/** App ids are UUIDs made by the server; anything else cannot name one. */
export const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const HEALTH_STATUSES = ['ok', 'warn', 'error'] as const;

/** The mask the API shows instead of a secret. */
export const SECRET_MASK = '**********';

const requiredString = (iss: { input: unknown }) => (iss.input === undefined ? 'is required' : 'must be a string');
const oneOfProviders = (iss: { input: unknown }) =>
  iss.input === undefined ? 'is required' : `must be one of: ${PROVIDER_IDS.join(', ')}`;

/** Nesting depth of a JSON value, counted no further than `max + 1`. */
function depthExceeds(value: unknown, max: number): boolean {
  if (max < 0) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some((v) => depthExceeds(v, max - 1));
}

function serialisedBytes(value: unknown): number {
  try {
    return utf8.encode(JSON.stringify(value)).length;
  } catch {
    // Nesting too deep to serialise: too large by any measure.
    return Infinity;
  }
}

const hasProtoKey = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__');

const notBlank = regex(/\S/, 'must not be empty or whitespace-only');
const wellFormed = refine<string>(isWellFormed, WELL_FORMED_REASON);
// C0 controls, DEL and C1 controls.
const noControlCharacters = regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');
const atMost = (n: number) => maxLength(n, `must be at most ${n} characters`);
const text = (max: number) => string({ error: requiredString }).check(notBlank, noControlCharacters, wellFormed, atMost(max));

// A masked value read back and sent again must never overwrite a real secret.
const clientSecret = text(LIMITS.clientSecret).check(
  regex(/^(?!\s*\*+\s*$)/, `must be the real client secret, not a mask such as "${SECRET_MASK}"`),
);

const metadata = pipe(
  // zod rebuilds records key by key and would silently drop a "__proto__"
  // key, so it is refused first (unknown + refine stays representable in JSON Schema).
  unknown().check(refine((value) => !hasProtoKey(value), { error: 'must not use the key "__proto__"' })),
  record(string(), unknown(), { error: 'must be a JSON object' }).check(
    refine((value) => serialisedBytes(value) <= LIMITS.metadataBytes, {
      error: `must be at most ${LIMITS.metadataBytes} bytes as JSON`,
    }),
    refine((value) => !depthExceeds(value, LIMITS.metadataDepth), {
      error: `must not nest deeper than ${LIMITS.metadataDepth} levels`,
    }),
    refine((value) => Object.keys(value).length <= LIMITS.metadataKeys, {
      error: `must have at most ${LIMITS.metadataKeys} top-level keys`,
    }),
    refine((value) => unfaithfulReason(value, LIMITS.metadataDepth) === undefined, {
      error: (iss) => unfaithfulReason(iss.input, LIMITS.metadataDepth),
    }),
  ),
);

// The per-app values of the provider's token endpoint template; which keys and
// what each must match depends on the provider (checked by the handler:
// src/verification/token-endpoint.ts providerSettingsProblems).
const providerSettings = pipe(
  unknown().check(refine((value) => !hasProtoKey(value), { error: 'must not use the key "__proto__"' })),
  record(string(), string({ error: 'must be a string' }).check(atMost(LIMITS.providerSettingLength)), {
    error: 'must be a JSON object of strings',
  }).check(
    refine((value) => Object.keys(value).length <= LIMITS.providerSettings, {
      error: `must have at most ${LIMITS.providerSettings} keys`,
    }),
  ),
);

/**
 * An ISO 8601 time with a zone ("2027-06-30T00:00:00Z", "+02:00"), a real
 * calendar date, year 2000 to 9999. (zod's iso.datetime() checks the same and
 * costs the Worker 0.6 KiB gzip more, on a bundle over its target.)
 */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;
export function isTimestamp(text: string): boolean {
  const m = ISO_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zone = m[9] === undefined ? [0, 0] : [Number(m[9]), Number(m[10])];
  return (
    year >= 2000 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth &&
    hour <= 23 && minute <= 59 && second <= 59 && zone[0]! <= 23 && zone[1]! <= 59
  );
}
const TIMESTAMP_RULE = 'must be an ISO 8601 time with a time zone, such as "2027-06-30T00:00:00Z", from the year 2000, or null';
// When the client secret stops working (null: never, or not known).
const expiresAt = nullable(string({ error: TIMESTAMP_RULE }).check(refine(isTimestamp, TIMESTAMP_RULE)));

export const createOAuthAppBody = strictObject(
  {
    provider: zEnum(PROVIDER_IDS, { error: oneOfProviders }),
    client_id: text(LIMITS.clientId),
    client_secret: clientSecret,
    name: text(LIMITS.name),
    metadata: optional(metadata),
    provider_settings: optional(providerSettings),
    client_secret_expires_at: optional(expiresAt),
  },
  { error: 'must be a JSON object' },
);

const cannotBeChanged = optional(never({ error: 'cannot be changed' }));

// PATCH: every field optional, omitted means unchanged; metadata null clears it.
export const updateOAuthAppBody = strictObject(
  {
    name: optional(text(LIMITS.name)),
    client_secret: optional(clientSecret),
    metadata: optional(nullable(metadata)),
    provider_settings: optional(nullable(providerSettings)),
    // Omitted: unchanged, unless a new client_secret is sent (then null: a new secret's expiry is its own).
    client_secret_expires_at: optional(expiresAt),
    provider: cannotBeChanged,
    client_id: cannotBeChanged,
  },
  { error: 'must be a JSON object' },
);

// Query strings. Values stay strings here (as they are on the wire and in an
// OpenAPI document); handlers convert them.
export const queryValue = (rule: string) => (iss: { input: unknown }) =>
  Array.isArray(iss.input) ? 'must be given once' : rule;
const truncateSecrets = optional(zEnum(['true', 'false'], { error: queryValue('must be true or false') }));

/**
 * Why a metadata filter (the query parameter's text) is refused, or undefined.
 * Its cost is bounded here: at most filterKeys index probes per candidate
 * row, each comparing at most filterKeyLength + filterValueLength characters.
 */
export function metadataFilterProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object, e.g. {"team":"billing"}';
  if (hasProtoKey(value)) return 'must not use the key "__proto__"';
  if (depthExceeds(value, LIMITS.metadataDepth)) return `must not nest deeper than ${LIMITS.metadataDepth} levels`;
  const entries = Object.entries(value);
  if (entries.length > LIMITS.filterKeys) return `must have at most ${LIMITS.filterKeys} keys`;
  for (const [key, item] of entries) {
    if (key.length > LIMITS.filterKeyLength) return `must have keys of at most ${LIMITS.filterKeyLength} characters`;
    if (JSON.stringify(item).length > LIMITS.filterValueLength) {
      return `must have values of at most ${LIMITS.filterValueLength} characters as JSON`;
    }
  }
  return unfaithfulReason(value, LIMITS.metadataDepth);
}

/** A page size, as every list takes it (1-100; handlers default to 100). */
export const pageLimit = optional(
  string({ error: queryValue(`must be an integer from 1 to ${LIMITS.pageSize}`) }).check(
    regex(/^(100|[1-9][0-9]?)$/, `must be an integer from 1 to ${LIMITS.pageSize}`),
  ),
);

export const listOAuthAppsQuery = strictObject(
  {
    limit: pageLimit,
    starting_after: optional(string({ error: queryValue('must be an OAuth app id') })),
    provider: optional(zEnum(PROVIDER_IDS, { error: queryValue(`must be one of: ${PROVIDER_IDS.join(', ')}`) })),
    'health.status': optional(zEnum(HEALTH_STATUSES, { error: queryValue(`must be one of: ${HEALTH_STATUSES.join(', ')}`) })),
    metadata: optional(
      string({ error: queryValue('must be a JSON object') }).check(
        maxLength(LIMITS.metadataBytes, `must be at most ${LIMITS.metadataBytes} characters`),
        refine((text) => metadataFilterProblem(text) === undefined, {
          error: (iss) => metadataFilterProblem(iss.input as string),
        }),
      ),
    ),
    truncate_secrets: truncateSecrets,
  },
  { error: 'must be a query string' },
);

// Create and PATCH: verify=true asks the provider before anything is written
// (src/verification/validate-on-save.ts). Not strict: these routes took no
// query before, and a parameter a client already sends must not start failing.
export const saveOAuthAppQuery = object(
  { verify: optional(zEnum(['true', 'false'], { error: queryValue('must be true or false') })) },
  { error: 'must be a query string' },
);

export const getOAuthAppQuery = strictObject({ truncate_secrets: truncateSecrets }, { error: 'must be a query string' });

export type CreateOAuthAppInput = output<typeof createOAuthAppBody>;
export type UpdateOAuthAppInput = output<typeof updateOAuthAppBody>;
export type ListOAuthAppsQuery = output<typeof listOAuthAppsQuery>;
export type GetOAuthAppQuery = output<typeof getOAuthAppQuery>;
export type SaveOAuthAppQuery = output<typeof saveOAuthAppQuery>;
