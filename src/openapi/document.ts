// The OpenAPI 3.1 document, built from the zod schemas the routes validate
// with (requests) and src/openapi/responses.ts (answers). Run at build time by
// `npm run openapi`, which writes src/openapi/openapi.json: the Worker serves
// that file and never carries this code or zod's JSON Schema generator.
import { toJSONSchema } from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { listEventsQuery } from '../audit/events.schemas';
import { rotateBody } from '../keys/keys.schemas';
import {
  createOAuthAppBody,
  getOAuthAppQuery,
  listOAuthAppsQuery,
  updateOAuthAppBody,
} from '../oauth-apps/oauth-apps.schemas';
import * as answers from './responses';

type Json = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), without its $schema line. */
function jsonSchema(schema: $ZodType): Json {
  const { $schema: _, ...rest } = toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });

/** Query parameters from a strict object schema of strings: one parameter per property. */
function queryParameters(schema: $ZodType): Json[] {
  const { properties } = jsonSchema(schema) as { properties: Record<string, Json> };
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

const ERRORS: Record<string, string> = {
  '400': 'The request is malformed: body not JSON or not UTF-8, a malformed header (Idempotency-Key, x-d1-bookmark).',
  '401': 'No API token, a malformed one, or one that is unknown, revoked or expired.',
  '403': 'The API token lacks the scope this operation needs; or, on create, the account holds its maximum of OAuth apps (MAX_APPS_PER_ACCOUNT).',
  '404': 'No such resource in this account (also for malformed ids and other accounts’ ids).',
  '409': 'A conflict: the same provider and client_id exist (existing_id), the resource is being changed concurrently, a request with this Idempotency-Key is still in flight, or this request outlived its Idempotency-Key lease and another request took the key over (this one changed nothing).',
  '412': 'If-Match does not match the current ETag (the answer carries the current ETag).',
  '413': 'The body is larger than 64 KiB.',
  '415': 'The body is not sent as application/json.',
  '422': 'The request failed validation: validation_errors names each field; or an Idempotency-Key reused with a different request.',
  '429': 'Too many requests with this API token, or too many without a valid token from this client address; retry after Retry-After seconds.',
  '500': 'The server is misconfigured or failed unexpectedly; nothing was changed. Quote request_id.',
  '503': 'Storage is busy or unreachable; retry after Retry-After seconds (with the same Idempotency-Key).',
};
const ERROR_HEADERS: Record<string, Json> = {
  '401': { 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } },
  '412': { ETag: { $ref: '#/components/headers/ETag' } },
  '429': { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
  '503': { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
};

const errorResponses = (statuses: string[]) =>
  Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/Error${s}` }]));

/** What every authenticated operation can answer besides its own errors. */
const COMMON = ['400', '401', '403', '422', '429', '500', '503'];
/** ... and those with a JSON body. */
const WITH_BODY = [...COMMON, '413', '415'];

const successHeaders = (etag: boolean): Json => ({
  'Request-Id': { $ref: '#/components/headers/Request-Id' },
  'x-d1-bookmark': { $ref: '#/components/headers/x-d1-bookmark' },
  ...(etag ? { ETag: { $ref: '#/components/headers/ETag' } } : {}),
});

function operation(options: {
  id: string;
  summary: string;
  tag: string;
  scope?: string;
  parameters?: Json[];
  body?: { schema: Json; required: boolean };
  success: { status: string; description: string; schema: Json; etag?: boolean; idempotent?: boolean };
  errors: string[];
}): Json {
  const { success } = options;
  const headers = successHeaders(success.etag ?? false);
  if (success.idempotent) headers['Idempotent-Replayed'] = { $ref: '#/components/headers/Idempotent-Replayed' };
  return {
    operationId: options.id,
    summary: options.summary,
    tags: [options.tag],
    ...(options.scope ? { description: `Needs the \`${options.scope}\` scope.` } : {}),
    parameters: [{ $ref: '#/components/parameters/x-d1-bookmark' }, ...(options.parameters ?? [])],
    ...(options.body ? { requestBody: { required: options.body.required, content: json(options.body.schema) } } : {}),
    responses: {
      [success.status]: { description: success.description, headers, content: json(success.schema) },
      ...errorResponses([...new Set(options.errors)].sort()),
    },
  };
}

const appId = { $ref: '#/components/parameters/AppId' };
const idempotencyKey = { $ref: '#/components/parameters/Idempotency-Key' };
const ifMatch = { $ref: '#/components/parameters/If-Match' };

export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'OAuth apps API',
      version: '1.0.0',
      description:
        'Register the OAuth client credentials an integration platform uses on your behalf. Client secrets are encrypted at rest and shown only on request. See README.md.',
    },
    servers: [{ url: 'http://localhost:8787', description: 'npm run dev' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'OAuth apps' },
      { name: 'Providers' },
      { name: 'Events', description: 'The audit trail.' },
      { name: 'Encryption keys', description: 'Key custody, for operators (keys:manage).' },
      { name: 'Meta' },
    ],
    paths: {
      '/v1/oauth-apps': {
        get: operation({
          id: 'listOAuthApps',
          summary: 'List OAuth apps, newest first',
          tag: 'OAuth apps',
          scope: 'oauth_apps:read` (or `oauth_apps:write`)',
          parameters: queryParameters(listOAuthAppsQuery),
          success: { status: '200', description: 'A page of apps.', schema: ref('OAuthAppList') },
          errors: COMMON,
        }),
        post: operation({
          id: 'createOAuthApp',
          summary: 'Create an OAuth app',
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [idempotencyKey],
          body: { schema: ref('CreateOAuthAppRequest'), required: true },
          success: { status: '200', description: 'The app, its secret masked.', schema: ref('OAuthApp'), etag: true, idempotent: true },
          errors: [...WITH_BODY, '409'],
        }),
      },
      '/v1/oauth-apps/{id}': {
        get: operation({
          id: 'getOAuthApp',
          summary: 'One OAuth app',
          tag: 'OAuth apps',
          scope: 'oauth_apps:read` (or `oauth_apps:write`)',
          parameters: [appId, ...queryParameters(getOAuthAppQuery)],
          success: { status: '200', description: 'The app.', schema: ref('OAuthApp'), etag: true },
          errors: [...COMMON, '404'],
        }),
        patch: operation({
          id: 'updateOAuthApp',
          summary: 'Change an OAuth app (omitted fields unchanged)',
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [appId, idempotencyKey, ifMatch],
          body: { schema: ref('UpdateOAuthAppRequest'), required: false },
          success: { status: '200', description: 'The app after the change.', schema: ref('OAuthApp'), etag: true, idempotent: true },
          errors: [...WITH_BODY, '404', '409', '412'],
        }),
        delete: operation({
          id: 'deleteOAuthApp',
          summary: 'Delete an OAuth app and its secret',
          tag: 'OAuth apps',
          scope: 'oauth_apps:write',
          parameters: [appId],
          success: { status: '200', description: 'Deleted.', schema: ref('Deleted') },
          errors: [...COMMON, '404'],
        }),
      },
      '/v1/providers': {
        get: operation({
          id: 'listProviders',
          summary: 'The providers an app may belong to',
          tag: 'Providers',
          success: { status: '200', description: 'Every provider.', schema: ref('ProviderList') },
          errors: COMMON,
        }),
      },
      '/v1/events': {
        get: operation({
          id: 'listEvents',
          summary: "The account's audit trail, newest first",
          tag: 'Events',
          scope: 'oauth_apps:read` (or `oauth_apps:write`), or `keys:manage',
          parameters: queryParameters(listEventsQuery),
          success: { status: '200', description: 'A page of events.', schema: ref('AuditEventList') },
          errors: COMMON,
        }),
      },
      '/v1/encryption-keys': {
        get: operation({
          id: 'getKeyStatus',
          summary: 'Secrets per encryption key id',
          tag: 'Encryption keys',
          scope: 'keys:manage',
          success: { status: '200', description: 'Every key of the keyring and every key id in storage.', schema: ref('KeyStatus') },
          errors: COMMON,
        }),
      },
      '/v1/encryption-keys/rotate': {
        post: operation({
          id: 'rotateKeys',
          summary: 'Re-encrypt one batch of secrets under the primary key',
          tag: 'Encryption keys',
          scope: 'keys:manage',
          body: { schema: ref('RotateRequest'), required: false },
          success: { status: '200', description: 'What the batch did, and what remains.', schema: ref('Rotation') },
          errors: WITH_BODY,
        }),
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          tags: ['Meta'],
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document.',
              headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' } },
              content: json({ type: 'object' }),
            },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token: oat_ and 43 base64url characters.' },
      },
      parameters: {
        AppId: { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes the write safe to retry: the first answer is replayed for 24 hours.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$' },
        },
        'If-Match': {
          name: 'If-Match',
          in: 'header',
          required: false,
          description: 'Apply the change only if the app still has this ETag (or one of these).',
          schema: { type: 'string' },
        },
        'x-d1-bookmark': {
          name: 'x-d1-bookmark',
          in: 'header',
          required: false,
          description: 'Read at least as fresh as this bookmark (from an earlier answer), on D1.',
          schema: { type: 'string' },
        },
      },
      headers: {
        'Request-Id': { description: 'The request id, quoted in support.', schema: { type: 'string' } },
        ETag: { description: 'The app version, for If-Match.', schema: { type: 'string' } },
        'x-d1-bookmark': { description: 'D1 bookmark of this answer (D1 only).', schema: { type: 'string' } },
        'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } },
        'WWW-Authenticate': { schema: { type: 'string' } },
        'Idempotent-Replayed': { description: '"true" when the answer is a replay.', schema: { type: 'string' } },
      },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([status, description]) => [
          `Error${status}`,
          {
            description,
            headers: { 'Request-Id': { $ref: '#/components/headers/Request-Id' }, ...ERROR_HEADERS[status] },
            content: json(ref('Error')),
          },
        ]),
      ),
      schemas: {
        CreateOAuthAppRequest: jsonSchema(createOAuthAppBody),
        UpdateOAuthAppRequest: jsonSchema(updateOAuthAppBody),
        RotateRequest: jsonSchema(rotateBody),
        OAuthApp: jsonSchema(answers.oauthApp),
        OAuthAppList: withRefs(jsonSchema(answers.oauthAppList), { data: { type: 'array', items: ref('OAuthApp') } }),
        Deleted: jsonSchema(answers.deleted),
        ProviderList: jsonSchema(answers.providerList),
        AuditEvent: jsonSchema(answers.auditEvent),
        AuditEventList: withRefs(jsonSchema(answers.auditEventList), { data: { type: 'array', items: ref('AuditEvent') } }),
        KeyStatus: jsonSchema(answers.keyStatus),
        Rotation: jsonSchema(answers.rotation),
        Error: jsonSchema(answers.error),
      },
    },
  };
}

/** Replaces inlined properties with references to the named schemas. */
function withRefs(schema: Json, properties: Json): Json {
  return { ...schema, properties: { ...(schema.properties as Json), ...properties } };
}
