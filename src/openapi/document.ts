// The OpenAPI 3.1 document, built by `npm run openapi` (never bundled: the
// Worker serves the JSON it writes). Bodies and answers are generated from
// the zod schemas the routes validate with; this file adds what a consumer
// needs that validation does not carry: query parameters typed by meaning
// (the routes read them as strings), descriptions, examples, formats and the
// error codes of each status.
import { toJSONSchema } from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { AUDIT_ACTIONS } from '../audit/audit-events';
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from '../http/error-codes';
import { MAX_BODY_BYTES } from '../http/json-body';
import { STORAGE_CHECK_TTL_MS } from '../http/probes';
import { MAX_ROTATION_BATCH } from '../keys/custody';
import { DEFAULT_ROTATION_BATCH, rotateBody } from '../keys/keys.schemas';
import { createOAuthAppBody, HEALTH_STATUSES, LIMITS, SECRET_MASK, updateOAuthAppBody } from '../oauth-apps/oauth-apps.schemas';
import { presentProvider, PROVIDER_IDS, providerOf } from '../providers/providers';
import { INCONCLUSIVE_REASONS, MAX_ANSWER_BYTES } from '../verification/probe';
import * as answers from './responses';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, example: unknown) => ({ 'application/json': { schema, example } });

// ---- Schemas from zod, made plain for generators.

/**
 * A zod schema as JSON Schema, each string field one schema (its patterns
 * merged into one, its lengths explicit), `{not: {}}` fields (refused
 * whatever their value) left out, integers with real bounds.
 */
function jsonSchema(schema: $ZodType): Json {
  const out = toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }) as Json;
  delete out.$schema;
  return plain(out);
}

function plain(schema: Json): Json {
  const out: Json = { ...schema };
  if (Array.isArray(out.allOf) && out.type === 'string') {
    const patterns = (out.allOf as Json[]).map((s) => s.pattern as string);
    delete out.allOf;
    out.pattern = `^${patterns.map((p) => (p.startsWith('^') ? `(?=${p.slice(1)})` : `(?=[\\s\\S]*?${p})`)).join('')}`;
    out.minLength = 1;
  }
  if (out.type === 'integer' && out.minimum === -9007199254740991) out.minimum = 0;
  if (out.type === 'integer' && out.maximum === 9007199254740991) delete out.maximum;
  if (out.properties) {
    const properties = Object.entries(out.properties as Record<string, Json>).filter(([, p]) => !isNever(p));
    out.properties = Object.fromEntries(properties.map(([k, p]) => [k, plain(p)]));
  }
  if (out.items) out.items = plain(out.items as Json);
  if (out.anyOf) out.anyOf = (out.anyOf as Json[]).map(plain);
  return out;
}

const isNever = (schema: Json) => typeof schema.not === 'object' && schema.not !== null && Object.keys(schema.not).length === 0;

/**
 * Adds descriptions (and formats) to a schema's properties, by dotted path
 * ("health.status"; "data[]" for array items). Every property must get one:
 * an undescribed property fails the build.
 */
function described(name: string, schema: Json, descriptions: Record<string, string>, formats: Record<string, string> = {}): Json {
  const walk = (node: Json, prefix: string): Json => {
    const out: Json = { ...node };
    if (out.properties) {
      out.properties = Object.fromEntries(
        Object.entries(out.properties as Record<string, Json>).map(([key, property]) => {
          const path = prefix ? `${prefix}.${key}` : key;
          const description = descriptions[path];
          if (description === undefined) throw new Error(`openapi: ${name}.${path} has no description`);
          const child = walk(property, path);
          return [key, { description, ...child, ...(formats[path] ? { format: formats[path] } : {}) }];
        }),
      );
    }
    if (out.items && (out.items as Json).properties) out.items = walk(out.items as Json, `${prefix}[]`);
    // A nullable object: its object branch is described under the same path.
    if (Array.isArray(out.anyOf)) out.anyOf = (out.anyOf as Json[]).map((branch) => (branch.properties ? walk(branch, prefix) : branch));
    return out;
  };
  return walk(schema, '');
}

/** Replaces inlined properties with references to the named schemas. */
function withRefs(schema: Json, properties: Json): Json {
  return { ...schema, properties: { ...(schema.properties as Json), ...properties } };
}

// ---- Examples (each validated against its schema by the linters and a test).

const APP_ID_EXAMPLE = '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8';
const CREATED_AT = '2026-11-27T21:10:52Z';
/** The body of the page this API started from. */
const CREATE_EXAMPLE = {
  provider: 'stripe',
  client_id: 'db97a4eb-f488-46c8-b1a7-78be3d8380d1',
  client_secret: 'e8c22f21-3455-4ad5-ae1e-76bee847dec9',
  name: 'Arakkis - Stripe',
  metadata: { custom_property: 42 },
};
const APP_EXAMPLE = {
  id: APP_ID_EXAMPLE,
  provider: 'stripe',
  name: 'Arakkis - Stripe',
  client_id: CREATE_EXAMPLE.client_id,
  client_secret: SECRET_MASK,
  client_secret_expires_at: null,
  metadata: { custom_property: 42 },
  provider_settings: {},
  health: { status: 'ok', notes: [], time: CREATED_AT },
  verification: null,
  created_at: CREATED_AT,
  updated_at: CREATED_AT,
};
const VERIFIED_AT = '2026-11-27T21:12:03Z';
const VERIFIED_EXAMPLE = {
  ...APP_EXAMPLE,
  health: { status: 'ok', notes: [], time: VERIFIED_AT },
  verification: { status: 'valid', time: VERIFIED_AT, provider_error: 'invalid_grant', reason: null },
};
const EVENT_EXAMPLE = {
  id: 'evt_5b0c8f1e2d6a4c7e9f3b1a2d4c6e8f0a',
  action: 'oauth_app.updated',
  app_id: APP_ID_EXAMPLE,
  app_ids: [APP_ID_EXAMPLE],
  details: { fields: ['name', 'client_secret'], key_id: 'k2' },
  token_id: '0b9e6b1c-3f4d-4a51-9a47-6c1f0f0e2b7d',
  request_id: 'req_3f1c0e9a5b7d4e2f8a6c1b3d5e7f9a0b',
  created_at: '2026-11-27T22:04:11.532Z',
};
const REQUEST_ID_EXAMPLE = 'req_0153e03c6c2c45a0a72f433a7da4db2f';

// ---- Query parameters, typed by what they mean (the routes parse the strings).

const query = (name: string, description: string, schema: Json): Json => ({ name, in: 'query', required: false, description, schema });
const PARAMS = {
  limit: query('limit', `How many items a page holds, 1 to ${LIMITS.pageSize}.`, {
    type: 'integer',
    minimum: 1,
    maximum: LIMITS.pageSize,
    default: LIMITS.pageSize,
    example: 20,
  }),
  appsAfter: query('starting_after', 'The id of an app of this account (the last of the previous page): the page starts after it.', {
    type: 'string',
    format: 'uuid',
    example: APP_ID_EXAMPLE,
  }),
  eventsAfter: query('starting_after', 'The id of an event of this account (the last of the previous page): the page starts after it.', {
    type: 'string',
    pattern: '^evt_[0-9a-f]{32}$',
    example: EVENT_EXAMPLE.id,
  }),
  provider: query('provider', 'Only apps of this provider.', { type: 'string', enum: [...PROVIDER_IDS], example: 'stripe' }),
  health: query('health.status', 'Only apps whose health.status is this.', { type: 'string', enum: [...HEALTH_STATUSES], example: 'error' }),
  metadata: {
    name: 'metadata',
    in: 'query',
    required: false,
    description:
      `Only apps whose metadata has every top-level key of this object with an equal JSON value (type-aware: true, 1 and "1" differ; ` +
      `objects equal whatever their key order, arrays only in order). Sent as the object's JSON text, URL-encoded ` +
      `(metadata=%7B%22team%22%3A%22billing%22%7D). At most ${LIMITS.filterKeys} keys of at most ${LIMITS.filterKeyLength} characters, ` +
      `each value at most ${LIMITS.filterValueLength} characters as JSON.`,
    content: {
      'application/json': {
        schema: { type: 'object', maxProperties: LIMITS.filterKeys, additionalProperties: true },
        example: { team: 'billing' },
      },
    },
  },
  truncateSecrets: query(
    'truncate_secrets',
    'false: show the decrypted client_secret (needs the oauth_apps:secrets scope; a reveal event is recorded; a secret that cannot be decrypted shows null with health error). Default true: the mask.',
    { type: 'boolean', default: true, example: false },
  ),
  appId: query('app_id', 'Only events naming this app (also a deleted one, also list reveals that disclosed it).', {
    type: 'string',
    format: 'uuid',
    example: APP_ID_EXAMPLE,
  }),
  verify: query(
    'verify',
    'true: ask the provider about the credentials before writing (validate on save). A rejection answers 422 credentials_rejected, writes nothing, and releases the Idempotency-Key for a corrected retry; valid or inconclusive saves, with the verification shown.',
    { type: 'string', enum: ['true', 'false'], example: 'true' },
  ),
  action: query('action', 'Only events of this action.', { type: 'string', enum: [...AUDIT_ACTIONS], example: 'oauth_app.updated' }),
};

// ---- Errors.

const ERRORS: Record<string, string> = {
  '400': 'The request is malformed: body not JSON or not UTF-8, a malformed header (Idempotency-Key, x-d1-bookmark).',
  '401': 'No API token, a malformed one, or one that is unknown, revoked or expired.',
  '403': 'The API token lacks the scope this operation needs; or, on create, the account holds its maximum of OAuth apps (MAX_APPS_PER_ACCOUNT).',
  '404': 'No such resource in this account (also for malformed ids and other accounts’ ids).',
  '406': 'The request does not accept JSON.',
  '409': 'A conflict: the same provider and client_id exist (existing_id), the resource is being changed concurrently, a request with this Idempotency-Key is still in flight, or this request outlived its Idempotency-Key lease and another request took the key over (this one changed nothing).',
  '412': 'If-Match does not match the current ETag (the answer carries the current ETag).',
  '413': `The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`,
  '415': 'The body is not sent as application/json.',
  '422': 'The request failed validation (or reused an Idempotency-Key with a different request): validation_errors names each field or header. On verify (and a save with verify=true): the provider offers no app-level probe (verification_unsupported), or provider_settings lack what its token endpoint needs; on a save with verify=true, the provider rejected the client credentials (credentials_rejected, with provider_error: nothing was written).',
  '429': 'Too many requests with this API token, or too many without a valid token from this client address; on verify, the app was verified less than a minute ago or the account spent its hourly verifications (also on a save with verify=true). Retry after Retry-After seconds.',
  '500': 'The server is misconfigured or failed unexpectedly; nothing was changed. Quote request_id.',
  '503': 'Storage is busy or unreachable; retry after Retry-After seconds (with the same Idempotency-Key).',
};
/** What each code means, in the document's enum description. */
const CODE_MEANINGS: Record<ErrorCode, string> = {
  body_not_json: 'the body is not valid JSON',
  body_not_utf8: 'the body is not valid UTF-8',
  bookmark_malformed: 'x-d1-bookmark is not a bookmark',
  idempotency_key_malformed: 'Idempotency-Key is not 1-255 printable ASCII characters',
  authentication_required: 'no Authorization header',
  authorization_malformed: 'Authorization is not Bearer <a well-formed API token>',
  token_invalid: 'the token is unknown or revoked',
  token_expired: 'the token has expired',
  scope_missing: 'the token lacks the scope the operation needs',
  quota_reached: 'the account holds its maximum of apps',
  route_not_found: 'no route for this path',
  app_not_found: 'no app with this id in this account',
  not_acceptable: 'the request does not accept JSON',
  method_not_allowed: 'the path does not have this method (see Allow)',
  app_duplicate: 'an app with this provider and client_id exists (existing_id)',
  idempotency_key_in_flight: 'a request with this Idempotency-Key is still running',
  idempotency_lease_lost: 'this request outlived its key lease and another took the key over; it changed nothing',
  write_conflict: 'the app kept changing under three attempts',
  precondition_failed: 'If-Match does not match the ETag',
  body_too_large: 'the body is over the size limit',
  unsupported_media_type: 'the body is not application/json',
  validation_failed: 'a field or parameter is invalid (validation_errors)',
  idempotency_key_reused: 'the Idempotency-Key was used with a different request',
  verification_unsupported: "verify only: the app's provider offers no app-level probe (GET /v1/providers says why); nothing was sent",
  credentials_rejected:
    'create or PATCH with verify=true: the provider rejected the client credentials (provider_error says its code); nothing was written and the Idempotency-Key was released, so a corrected retry may reuse it',
  rate_limited: "the token's rate limit is spent",
  unauthenticated_rate_limited: "this address's allowance for requests without a valid token is spent",
  verification_rate_limited: 'verify only: the app was verified less than a minute ago',
  verification_budget_spent: "verify, or a save with verify=true: the account's verifications of this hour (VERIFICATIONS_PER_ACCOUNT_PER_HOUR) are spent",
  misconfigured: 'the server is misconfigured',
  internal_error: 'an unexpected error',
  storage_unavailable: 'storage is busy or unreachable',
  not_ready: 'GET /readyz only: a readiness check failed (failed_check)',
};
const ERROR_HEADERS: Record<string, Json> = {
  '401': { 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } },
  '412': { ETag: { $ref: '#/components/headers/ETag' } },
  '429': {
    'Retry-After': { $ref: '#/components/headers/Retry-After' },
    'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
    RateLimit: { $ref: '#/components/headers/RateLimit' },
  },
  '503': { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
};

/** Codes only the probes answer: not among the API operations' errors. */
const PROBE_CODES: readonly ErrorCode[] = ['not_ready'];
/** The error codes an API operation answers with for a status (src/http/error-codes.ts). */
const codesOf = (status: string) => ERROR_CODES.filter((code) => String(ERROR_STATUS[code]) === status && !PROBE_CODES.includes(code));

function errorExample(status: string): Json {
  const code = codesOf(status)[0]!;
  const body: Json = { code, summary: `${CODE_MEANINGS[code][0]!.toUpperCase()}${CODE_MEANINGS[code].slice(1)}.` };
  if (status === '422') body.validation_errors = { provider: [`must be one of: ${PROVIDER_IDS.join(', ')}`] };
  body.request_id = REQUEST_ID_EXAMPLE;
  return body;
}

const errorResponses = (statuses: string[]) =>
  Object.fromEntries([...new Set(statuses)].sort().map((s) => [s, { $ref: `#/components/responses/Error${s}` }]));

/** What every authenticated operation can answer besides its own errors. */
const COMMON = ['400', '401', '403', '422', '429', '500', '503'];
/** ... and those with a JSON body. */
const WITH_BODY = [...COMMON, '413', '415'];

// ---- Operations.

const RATE_LIMITED_HEADERS = {
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  RateLimit: { $ref: '#/components/headers/RateLimit' },
};

const successHeaders = (etag: boolean): Json => ({
  'Request-Id': { $ref: '#/components/headers/Request-Id' },
  'x-d1-bookmark': { $ref: '#/components/headers/x-d1-bookmark' },
  ...RATE_LIMITED_HEADERS,
  ...(etag ? { ETag: { $ref: '#/components/headers/ETag' } } : {}),
});

function operation(options: {
  id: string;
  summary: string;
  description: string;
  tag: string;
  scope?: string;
  parameters?: Json[];
  body?: { schema: Json; required: boolean; example: unknown };
  success: { status: string; description: string; schema: Json; example: unknown; etag?: boolean; idempotent?: boolean };
  errors: string[];
}): Json {
  const { success } = options;
  const headers = successHeaders(success.etag ?? false);
  if (success.idempotent) headers['Idempotent-Replayed'] = { $ref: '#/components/headers/Idempotent-Replayed' };
  return {
    operationId: options.id,
    summary: options.summary,
    description: `${options.description}${options.scope ? ` Needs the ${options.scope} scope.` : ''}`,
    tags: [options.tag],
    parameters: [{ $ref: '#/components/parameters/x-d1-bookmark' }, ...(options.parameters ?? [])],
    ...(options.body ? { requestBody: { required: options.body.required, content: json(options.body.schema, options.body.example) } } : {}),
    responses: {
      [success.status]: { description: success.description, headers, content: json(success.schema, success.example) },
      ...errorResponses(options.errors),
    },
  };
}

const appIdParam = { $ref: '#/components/parameters/AppId' };
const idempotencyKey = { $ref: '#/components/parameters/Idempotency-Key' };
const ifMatch = { $ref: '#/components/parameters/If-Match' };

// ---- Property descriptions.

const STRING_RULES = 'not blank, no control characters, valid Unicode';
const APP_FIELDS: Record<string, string> = {
  provider: 'The provider the app belongs to (GET /v1/providers); cannot be changed.',
  client_id: `The OAuth client id, as the provider issued it: 1-${LIMITS.clientId} characters, ${STRING_RULES}. Unique per provider in an account; cannot be changed.`,
  client_secret: `The OAuth client secret: 1-${LIMITS.clientSecret} characters, ${STRING_RULES}, not made only of asterisks (a mask read back must never overwrite a secret). Encrypted at rest; answers show "${SECRET_MASK}".`,
  name: `A display name: 1-${LIMITS.name} characters, ${STRING_RULES}.`,
  metadata: `Any JSON object of yours: at most ${LIMITS.metadataBytes / 1024} KiB as JSON, ${LIMITS.metadataKeys} top-level keys, nested at most ${LIMITS.metadataDepth} deep; no top-level __proto__; numbers finite and within ±(2^53 - 1). The list filters on its top-level keys.`,
  provider_settings: `The values the provider's token endpoint template needs, where its host is per tenant (GET /v1/providers lists each provider's settings and the pattern each must match, e.g. {"shop": "acme"} for Shopify): strings of at most ${LIMITS.providerSettingLength} characters; a setting the provider does not take, or a value that would make a URL off the provider's hosts, is refused. Default {}.`,
  client_secret_expires_at:
    'When the client secret stops working at the provider (e.g. Microsoft Entra: 2 years after it was made): an ISO 8601 time with a time zone, from the year 2000, or null for never / not known (the default). Health warns SECRET_EXPIRY_WARNING_DAYS (default 30) before it and is error from it.',
};
const APP_OBJECT: Record<string, string> = {
  id: 'The app id (a UUID made by the server).',
  provider: APP_FIELDS.provider!,
  name: 'The display name.',
  client_id: 'The OAuth client id.',
  client_secret: `"${SECRET_MASK}"; the plaintext only with truncate_secrets=false (null if it cannot be decrypted).`,
  client_secret_expires_at: 'When the client secret expires (UTC, to the second), as told; null: never, or not known.',
  metadata: 'The metadata object ({} when none), its keys sorted.',
  provider_settings: "The values of the provider's token endpoint template ({} when none), its keys sorted.",
  health: 'Whether the app can be used: our custody of the secret and, once verified, the provider\'s verdict on the credentials.',
  'health.status':
    'The worst of its facts, read now. ok: the secret is under the primary key and last decrypted fine, the provider did not reject the credentials, and it does not expire within the warning; warn: under an older key (re-encryption pending), or client_secret_expires_at is within SECRET_EXPIRY_WARNING_DAYS; error: its key is missing, it does not decrypt, the provider rejected the client credentials (verification.status invalid), or client_secret_expires_at has passed. An inconclusive verification never changes it. Each change of it is recorded as an oauth_app.health_changed event.',
  'health.notes': 'Sentences saying why, when not ok; and why the last verification could not tell, when it was inconclusive.',
  'health.time': 'When the state was last established (the secret sealed, re-encrypted, decrypted or verified, or an expiry threshold crossed).',
  verification: 'The provider\'s last verdict on the client credentials (POST /v1/oauth-apps/{id}/verify); null when never verified, or since a new client_secret or provider_settings. An inconclusive result never replaces a valid or invalid one.',
  'verification.status':
    'valid: the provider authenticated the client and refused only the never-issued code; invalid: it rejected the client credentials; inconclusive: it could not tell (reason).',
  'verification.time': 'When the verdict was reached (UTC, to the second).',
  'verification.provider_error': 'The error code the provider answered with (e.g. invalid_grant, invalid_client, bad_verification_code), never its text; null when there was none.',
  'verification.reason': `Why it could not tell (inconclusive only): ${INCONCLUSIVE_REASONS.join(', ')}; else null.`,
  created_at: 'When the app was created (UTC, to the second).',
  updated_at: 'When a value of the app last changed (not on re-encryption).',
};
const TIMES = {
  created_at: 'date-time',
  updated_at: 'date-time',
  client_secret_expires_at: 'date-time',
  'health.time': 'date-time',
  'verification.time': 'date-time',
};
const PAGE = (item: string) => ({ data: `The page, newest first: ${item}.`, has_more: 'Whether another page follows (send the last id as starting_after).' });

export function openApiDocument(): Json {
  const appSchema = described('OAuthApp', jsonSchema(answers.oauthApp), APP_OBJECT, TIMES);
  const eventSchema = described(
    'AuditEvent',
    jsonSchema(answers.auditEvent),
    {
      id: 'The event id.',
      action: 'What happened.',
      app_id: 'The app, when the event names exactly one; else null (see app_ids).',
      app_ids: 'Every app the event names: one for a change, every app whose secret a list page disclosed, none for an operator action.',
      details: 'Names, never values.',
      'details.fields': 'oauth_app.updated: the fields that changed.',
      'details.key_id': 'The key the secret is under after the change (encryption_keys.rotated: the primary).',
      'details.from_key_id': 'oauth_app.secret_reencrypted: the key it was under before.',
      'details.run_id': 'encryption_keys.rotated: the run id its oauth_app.secret_reencrypted events carry as request_id.',
      'details.reencrypted': 'encryption_keys.rotated: secrets it re-encrypted.',
      'details.failed': 'encryption_keys.rotated: secrets that did not decrypt.',
      'details.verdict': 'oauth_app.verified: valid, invalid or inconclusive.',
      'details.provider_error': "oauth_app.verified: the provider's error code, never its text.",
      'details.reason': 'oauth_app.verified, when inconclusive: why it could not tell.',
      'details.previous_status': 'oauth_app.health_changed: the health status shown before (the one the previous change announced).',
      'details.status': 'oauth_app.health_changed: the health status shown now.',
      token_id: 'The API token that acted; null for key custody runs.',
      request_id: 'The Request-Id of the request, or a run_ id for key custody runs.',
      created_at: 'When it happened (UTC, with milliseconds).',
    },
    { created_at: 'date-time' },
  );
  const errorSchema = described('ErrorResponse', jsonSchema(answers.error), {
    code: `The cause, stable for machines: ${ERROR_CODES.map((c) => `${c} (${CODE_MEANINGS[c]})`).join('; ')}.`,
    summary: 'One sentence saying what went wrong, for people.',
    validation_errors: 'On every 422: each failing field, parameter or header, with its reasons.',
    existing_id: 'On app_duplicate: the id of the app that has this provider and client_id.',
    provider_error: "On credentials_rejected: the provider's error code (e.g. invalid_client), never its text.",
    failed_check: 'On not_ready: the first readiness check that failed (configuration, keyring, storage; draining while the server shuts down).',
    request_id: 'The request id (also the Request-Id header): quote it in support requests.',
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'OAuth apps API',
      version: '1.0.0',
      description:
        'Register the OAuth client credentials an integration platform uses on your behalf. Client secrets are encrypted at rest (AES-256-GCM) and shown only on request, with the oauth_apps:secrets scope. Every error carries a stable code.',
      // The code's licence (LICENSE); whoever deploys it is the contact for their deployment.
      contact: { name: 'The operators of this deployment' },
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: right wherever the document is served.
    servers: [{ url: '/', description: 'The server that serves this document.' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'OAuth apps', description: 'The OAuth client credentials of an account: create, list, read, change, delete.' },
      { name: 'Providers', description: 'The providers an app may belong to.' },
      { name: 'Events', description: 'The audit trail: every change, disclosure and re-encryption, never a value.' },
      { name: 'Encryption keys', description: 'Key custody, for operators (keys:manage): counts and re-encryption, never a secret.' },
      { name: 'Meta', description: 'This document, and the probes for load balancers and orchestrators.' },
    ],
    paths: {
      '/v1/oauth-apps': {
        get: operation({
          id: 'listOAuthApps',
          summary: 'List OAuth apps, newest first',
          description: 'A page of the account’s apps, newest first (created_at, then id), keyset-paged with starting_after; filters combine.',
          tag: 'OAuth apps',
          scope: 'oauth_apps:read (or oauth_apps:write)',
          parameters: [PARAMS.limit, PARAMS.appsAfter, PARAMS.provider, PARAMS.health, PARAMS.metadata, PARAMS.truncateSecrets],
          success: { status: '200', description: 'A page of apps.', schema: ref('OAuthAppList'), example: { data: [APP_EXAMPLE], has_more: false } },
          errors: COMMON,
        }),
        post: operation({
          id: 'createOAuthApp',
          summary: 'Create an OAuth app',
          description:
            'Registers the credentials; the secret is encrypted before it is stored, and the answer masks it. With verify=true the provider is asked first (as POST /v1/oauth-apps/{id}/verify asks it, counting against VERIFICATIONS_PER_ACCOUNT_PER_HOUR): a rejection answers 422 credentials_rejected and writes nothing; valid or inconclusive saves the app with that verification.',
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [idempotencyKey, PARAMS.verify],
          body: { schema: ref('CreateOAuthAppRequest'), required: true, example: CREATE_EXAMPLE },
          success: { status: '200', description: 'The app, its secret masked.', schema: ref('OAuthApp'), example: APP_EXAMPLE, etag: true, idempotent: true },
          errors: [...WITH_BODY, '409'],
        }),
      },
      '/v1/oauth-apps/{id}': {
        get: operation({
          id: 'getOAuthApp',
          summary: 'One OAuth app',
          description: 'The app, with its ETag.',
          tag: 'OAuth apps',
          scope: 'oauth_apps:read (or oauth_apps:write)',
          parameters: [appIdParam, PARAMS.truncateSecrets],
          success: { status: '200', description: 'The app.', schema: ref('OAuthApp'), example: APP_EXAMPLE, etag: true },
          errors: [...COMMON, '404'],
        }),
        patch: operation({
          id: 'updateOAuthApp',
          summary: 'Change an OAuth app',
          description:
            'Changes name, client_secret, client_secret_expires_at, metadata and provider_settings (omitted fields unchanged; metadata and provider_settings replace the stored object, null clears it). An empty body changes nothing. provider and client_id cannot be changed. A new client_secret or provider_settings clears the verification (and its one-a-minute limit); a new client_secret without client_secret_expires_at sets it to null. With verify=true the credentials the change leaves are put to the provider first: a rejection answers 422 credentials_rejected and changes nothing.',
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [appIdParam, idempotencyKey, ifMatch, PARAMS.verify],
          body: { schema: ref('UpdateOAuthAppRequest'), required: false, example: { name: 'Arrakis - Stripe (prod)', metadata: { team: 'billing' } } },
          success: {
            status: '200',
            description: 'The app after the change.',
            schema: ref('OAuthApp'),
            example: { ...APP_EXAMPLE, name: 'Arrakis - Stripe (prod)', metadata: { team: 'billing' }, updated_at: '2026-11-27T22:04:11Z' },
            etag: true,
            idempotent: true,
          },
          errors: [...WITH_BODY, '404', '409', '412'],
        }),
        delete: operation({
          id: 'deleteOAuthApp',
          summary: 'Delete an OAuth app and its secret',
          description: 'Deletes the app and its ciphertext; its events are kept.',
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [appIdParam],
          success: { status: '200', description: 'Deleted.', schema: ref('Deleted'), example: { id: APP_ID_EXAMPLE, deleted: true } },
          errors: [...COMMON, '404'],
        }),
      },
      '/v1/oauth-apps/{id}/verify': {
        post: operation({
          id: 'verifyOAuthApp',
          summary: "Ask the provider whether it accepts the app's client credentials",
          description:
            "Sends the stored client_id and client_secret to the provider's token endpoint (GET /v1/providers) in an authorization_code grant with a random, never-issued code, with the provider's client authentication, and classifies the answer: valid (the client was authenticated, only the code refused), invalid (the client credentials were rejected: health error), inconclusive (timeout, network error, redirect, 5xx, rate limited, or an answer it cannot classify: health unchanged, with a note). " +
            `Only over https to the catalog's host for the provider (or the operator's PROVIDER_TOKEN_URLS), no redirect followed, a timeout (VERIFICATION_TIMEOUT_SECONDS), at most ${MAX_ANSWER_BYTES / 1024} KiB of answer read. At most one a minute per app (a new client_secret resets it) and VERIFICATIONS_PER_ACCOUNT_PER_HOUR per account. Records an oauth_app.verified event. No body is read; not idempotent (each call asks again).`,
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [appIdParam],
          success: { status: '200', description: 'The app as GET shows it, with the verdict.', schema: ref('OAuthApp'), example: VERIFIED_EXAMPLE, etag: true },
          errors: [...COMMON, '404'],
        }),
      },
      '/v1/providers': {
        get: operation({
          id: 'listProviders',
          summary: 'The providers an app may belong to',
          description:
            'Every provider, with its display name and what verifying an app needs: the token endpoint (a template over the app\'s provider_settings where the host is per tenant), the client authentication, and how the provider reports a rejected client. Any valid token may read it.',
          tag: 'Providers',
          success: {
            status: '200',
            description: 'Every provider.',
            schema: ref('ProviderList'),
            example: { data: [presentProvider(providerOf('shopify')), presentProvider(providerOf('github'))] },
          },
          errors: COMMON,
        }),
      },
      '/v1/events': {
        get: operation({
          id: 'listEvents',
          summary: "The account's audit trail, newest first",
          description: 'A page of the account’s events, newest first, keyset-paged with starting_after.',
          tag: 'Events',
          scope: 'oauth_apps:read (or oauth_apps:write), or keys:manage',
          parameters: [PARAMS.limit, PARAMS.eventsAfter, PARAMS.appId, PARAMS.action],
          success: { status: '200', description: 'A page of events.', schema: ref('AuditEventList'), example: { data: [EVENT_EXAMPLE], has_more: false } },
          errors: COMMON,
        }),
      },
      '/v1/encryption-keys': {
        get: operation({
          id: 'getKeyStatus',
          summary: 'Secrets per encryption key id',
          description: 'Every key of the keyring and every key id found in storage, with the secrets each protects, across all accounts.',
          tag: 'Encryption keys',
          scope: 'keys:manage',
          success: {
            status: '200',
            description: 'Every key of the keyring and every key id in storage.',
            schema: ref('KeyStatus'),
            example: { primary: 'k2', keyring_fingerprint: '3f9a0c1d5e7b2468', pending: 0, data: [{ id: 'k2', primary: true, in_keyring: true, secrets: 120, errors: 0 }] },
          },
          errors: COMMON,
        }),
      },
      '/v1/encryption-keys/rotate': {
        post: operation({
          id: 'rotateKeys',
          summary: 'Re-encrypt one batch of secrets under the primary key',
          description: 'Re-encrypts up to limit secrets under older keys (or sealed before generations) with the primary key, in one batch; repeat until remaining is 0.',
          tag: 'Encryption keys',
          scope: 'keys:manage',
          body: { schema: ref('RotateRequest'), required: false, example: { limit: DEFAULT_ROTATION_BATCH } },
          success: {
            status: '200',
            description: 'What the batch did, and what remains.',
            schema: ref('Rotation'),
            example: { primary_key_id: 'k2', reencrypted: 100, failed: 0, raced: 0, remaining: 20 },
          },
          errors: WITH_BODY,
        }),
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          description: 'The OpenAPI 3.1 document of the API, without a token.',
          tags: ['Meta'],
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document.',
              headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
              content: json({ type: 'object', description: 'An OpenAPI 3.1 document.' }, { openapi: '3.1.0' }),
            },
            '406': { $ref: '#/components/responses/Error406' },
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'getLiveness',
          summary: 'Liveness probe',
          description:
            'Answers 200 while the server runs; touches no storage. No token, no rate limit, never cached, not logged. For restarting a stuck process, not for routing traffic (use /readyz).',
          tags: ['Meta'],
          security: [],
          responses: {
            '200': {
              description: 'The server runs.',
              headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
              content: json(ref('Liveness'), { status: 'ok' }),
            },
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'getReadiness',
          summary: 'Readiness probe',
          description: `Answers 200 when the configuration and the keyring parse and one cheap storage query succeeds (its result is kept ${STORAGE_CHECK_TTL_MS / 1000} seconds, so probes cannot load the database); else 503 naming the first check that failed, never why (the server's log says). No token, no rate limit, never cached; logged only when not ready.`,
          tags: ['Meta'],
          security: [],
          responses: {
            '200': {
              description: 'Ready to serve the API.',
              headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
              content: json(ref('Readiness'), { status: 'ready' }),
            },
            '503': {
              description: 'Not ready: failed_check names which check failed (configuration, keyring, storage; draining while the Node server shuts down). code: not_ready.',
              headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
              content: json(
                { allOf: [ref('ErrorResponse'), { type: 'object', required: ['failed_check'], properties: { code: { enum: ['not_ready'] } } }] },
                { code: 'not_ready', summary: 'Not ready: the storage check failed.', failed_check: 'storage', request_id: REQUEST_ID_EXAMPLE },
              ),
            },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token: oat_ and 43 base64url characters (npm run token:create).' },
      },
      parameters: {
        AppId: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The app id.',
          schema: { type: 'string', format: 'uuid', example: APP_ID_EXAMPLE },
        },
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes the write safe to retry: the first answer is replayed, byte for byte, for 24 hours.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$', example: '3f1c0e9a-create-arrakis' },
        },
        'If-Match': {
          name: 'If-Match',
          in: 'header',
          required: false,
          description: 'Apply the change only if the app still has this ETag (or one of these, or *).',
          schema: { type: 'string', example: '"v1"' },
        },
        'x-d1-bookmark': {
          name: 'x-d1-bookmark',
          in: 'header',
          required: false,
          description: 'Read at least as fresh as this bookmark (from an earlier answer), or first-primary; on D1.',
          schema: { type: 'string', example: 'first-primary' },
        },
      },
      headers: {
        'Request-Id': { description: 'The request id, quoted in support.', schema: { type: 'string', example: REQUEST_ID_EXAMPLE } },
        ETag: { description: 'The app version, for If-Match.', schema: { type: 'string', example: '"v1"' } },
        'x-d1-bookmark': { description: 'D1 bookmark of this answer (D1 only).', schema: { type: 'string' } },
        'Retry-After': { description: 'Seconds until a request would pass.', schema: { type: 'string', example: '60' } },
        'RateLimit-Policy': {
          description: 'The rate limit this answer counted against (IETF draft-ietf-httpapi-ratelimit-headers): q requests per w seconds.',
          schema: { type: 'string', example: '"token";q=1000;w=60' },
        },
        RateLimit: {
          description: 'Requests left (r) and seconds until the window resets (t), where the limiter can tell (the Node server).',
          schema: { type: 'string', example: '"token";r=998;t=42' },
        },
        'WWW-Authenticate': { description: 'The authentication scheme: Bearer.', schema: { type: 'string', example: 'Bearer' } },
        'Idempotent-Replayed': { description: '"true" when the answer is a replay.', schema: { type: 'string', example: 'true' } },
      },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([status, description]) => [
          `Error${status}`,
          {
            description: `${description} code: ${codesOf(status).join(', ')}.`,
            headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' }, ...ERROR_HEADERS[status] },
            // The error shape, its code narrowed to this status's causes.
            content: json({ allOf: [ref('ErrorResponse'), { type: 'object', properties: { code: { enum: codesOf(status) } } }] }, errorExample(status)),
          },
        ]),
      ),
      schemas: {
        CreateOAuthAppRequest: described('CreateOAuthAppRequest', jsonSchema(createOAuthAppBody), APP_FIELDS),
        UpdateOAuthAppRequest: described('UpdateOAuthAppRequest', jsonSchema(updateOAuthAppBody), {
          name: APP_FIELDS.name!,
          provider_settings: `${APP_FIELDS.provider_settings} null clears it to {}.`,
          client_secret: `${APP_FIELDS.client_secret} A new secret is a new generation.`,
          client_secret_expires_at: `${APP_FIELDS.client_secret_expires_at} Omitted: unchanged, unless client_secret is sent (then null).`,
          metadata: `${APP_FIELDS.metadata} null clears it to {}.`,
        }),
        RotateRequest: described('RotateRequest', jsonSchema(rotateBody), {
          limit: `Secrets to re-encrypt in this batch, 1 to ${MAX_ROTATION_BATCH}; default ${DEFAULT_ROTATION_BATCH}.`,
        }),
        OAuthApp: appSchema,
        OAuthAppList: withRefs(described('OAuthAppList', jsonSchema(answers.oauthAppList), { ...PAGE('apps'), ...prefixed('data[]', APP_OBJECT) }), {
          data: { description: PAGE('apps').data, type: 'array', items: ref('OAuthApp') },
        }),
        Deleted: described('Deleted', jsonSchema(answers.deleted), { id: 'The id of the app deleted.', deleted: 'Always true.' }),
        ProviderList: described('ProviderList', jsonSchema(answers.providerList), {
          data: 'Every provider.',
          'data[].id': 'The provider id, as apps take it.',
          'data[].name': 'Its display name.',
          'data[].token_endpoint': "Its OAuth token endpoint: an https URL, or a template whose {names} are the app's provider_settings; null when it has none.",
          'data[].client_authentication': 'How the client authenticates to the token endpoint: client_secret_basic (HTTP Basic) or client_secret_post (in the form); null when it has none.',
          'data[].settings': 'The provider_settings an app of this provider takes (each required to verify it).',
          'data[].settings[].name': 'The setting, as a key of provider_settings.',
          'data[].settings[].description': 'What it is.',
          'data[].settings[].pattern': 'The regular expression its value must match, whole; the URL it makes must also be on the provider\'s hosts.',
          'data[].settings[].example': 'An example value.',
          'data[].verification': 'Whether POST /v1/oauth-apps/{id}/verify can ask this provider, and how its answer is read.',
          'data[].verification.supported': 'Whether an app-level probe can tell (else verify answers 422 verification_unsupported).',
          'data[].verification.reason': 'Why not, when it cannot; else null.',
          'data[].verification.error_field': "The field of the provider's JSON answer that holds its error code (null when unsupported).",
          'data[].verification.rejected_client': 'Error codes that mean the client credentials were rejected (verdict invalid).',
          'data[].verification.accepted_client': 'Error codes that mean the client was authenticated and only the never-issued code refused (verdict valid).',
        }),
        AuditEvent: eventSchema,
        AuditEventList: withRefs(described('AuditEventList', jsonSchema(answers.auditEventList), { ...PAGE('events'), ...prefixed('data[]', eventDescriptions(eventSchema)) }), {
          data: { description: PAGE('events').data, type: 'array', items: ref('AuditEvent') },
        }),
        KeyStatus: described('KeyStatus', jsonSchema(answers.keyStatus), {
          primary: 'The primary key id: it seals every new secret.',
          pending: 'Healthy secrets still to re-encrypt (under an older key of the keyring, or sealed before generations).',
          keyring_fingerprint: "16 hex digits that change when the server's keyring changes (its primary, a key id or a key's bytes), and show nothing of it: npm run keys:status compares it with the keyring file's.",
          data: 'Every key of the keyring and every key id found in storage.',
          'data[].id': 'The key id.',
          'data[].primary': 'Whether it is the primary key.',
          'data[].in_keyring': 'Whether the keyring has it (a key id only in storage cannot be decrypted).',
          'data[].secrets': 'Secrets sealed under it.',
          'data[].errors': 'Of those, how many do not decrypt.',
        }),
        Rotation: described('Rotation', jsonSchema(answers.rotation), {
          primary_key_id: 'The primary key the batch sealed under.',
          reencrypted: 'Secrets moved to the primary key.',
          failed: 'Secrets that did not decrypt (now health error), left where they were.',
          raced: 'Secrets replaced by a concurrent write (left as written).',
          remaining: 'Secrets still to re-encrypt.',
        }),
        ErrorResponse: errorSchema,
        Liveness: described('Liveness', jsonSchema(answers.liveness), { status: 'Always ok.' }),
        Readiness: described('Readiness', jsonSchema(answers.readiness), { status: 'Always ready.' }),
      },
    },
  };
}

/** Descriptions under a prefix (the items of a page), for schemas described again inline before their $ref replaces them. */
function prefixed(prefix: string, descriptions: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(descriptions).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** The descriptions an already described schema carries, by dotted path. */
function eventDescriptions(schema: Json): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: Json, prefix: string) => {
    for (const [key, property] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out[path] = property.description as string;
      walk(property, path);
    }
  };
  walk(schema, '');
  return out;
}
