// The shapes of the API's answers, for the OpenAPI document (built by
// `npm run openapi`, never bundled into the Worker). Objects are strict: a
// field a handler adds without documenting it fails the contract test.
import { array, boolean, enum as zEnum, int, literal, nullable, optional, record, string, strictObject, unknown } from 'zod/mini';
import { AUDIT_ACTIONS } from '../audit/audit-events';
import { ERROR_CODES } from '../http/error-codes';
import { READINESS_CHECKS } from '../http/probes';
import { HEALTH_STATUSES } from '../oauth-apps/oauth-apps.schemas';
import { PROVIDER_IDS } from '../providers/providers';
import { INCONCLUSIVE_REASONS } from '../verification/probe';

const timestamp = string();

export const oauthApp = strictObject({
  id: string(),
  provider: zEnum(PROVIDER_IDS),
  name: string(),
  client_id: string(),
  client_secret: nullable(string()),
  client_secret_expires_at: nullable(timestamp),
  metadata: record(string(), unknown()),
  provider_settings: record(string(), string()),
  health: strictObject({ status: zEnum(HEALTH_STATUSES), notes: array(string()), time: timestamp }),
  verification: nullable(
    strictObject({
      status: zEnum(['valid', 'invalid', 'inconclusive']),
      time: timestamp,
      provider_error: nullable(string()),
      reason: nullable(zEnum(INCONCLUSIVE_REASONS)),
    }),
  ),
  created_at: timestamp,
  updated_at: timestamp,
});

export const oauthAppList = strictObject({ data: array(oauthApp), has_more: boolean() });

export const deleted = strictObject({ id: string(), deleted: literal(true) });

export const providerList = strictObject({
  data: array(
    strictObject({
      id: zEnum(PROVIDER_IDS),
      name: string(),
      token_endpoint: nullable(string()),
      client_authentication: nullable(zEnum(['client_secret_basic', 'client_secret_post'])),
      settings: array(strictObject({ name: string(), description: string(), pattern: string(), example: string() })),
      verification: strictObject({
        supported: boolean(),
        reason: nullable(string()),
        error_field: nullable(zEnum(['error', 'status'])),
        rejected_client: array(string()),
        accepted_client: array(string()),
      }),
    }),
  ),
});

export const auditEvent = strictObject({
  id: string(),
  action: zEnum(AUDIT_ACTIONS),
  app_id: nullable(string()),
  app_ids: array(string()),
  details: strictObject({
    fields: optional(array(zEnum(['name', 'metadata', 'client_secret', 'provider_settings', 'client_secret_expires_at']))),
    key_id: optional(string()),
    from_key_id: optional(string()),
    run_id: optional(string()),
    reencrypted: optional(int()),
    failed: optional(int()),
    verdict: optional(zEnum(['valid', 'invalid', 'inconclusive'])),
    provider_error: optional(string()),
    reason: optional(zEnum(INCONCLUSIVE_REASONS)),
    previous_status: optional(zEnum(HEALTH_STATUSES)),
    status: optional(zEnum(HEALTH_STATUSES)),
  }),
  token_id: nullable(string()),
  request_id: string(),
  created_at: timestamp,
});

export const auditEventList = strictObject({ data: array(auditEvent), has_more: boolean() });

export const keyStatus = strictObject({
  primary: string(),
  pending: int(),
  keyring_fingerprint: string(),
  data: array(
    strictObject({ id: string(), primary: boolean(), in_keyring: boolean(), secrets: int(), errors: int() }),
  ),
});

export const rotation = strictObject({
  primary_key_id: string(),
  reencrypted: int(),
  failed: int(),
  raced: int(),
  remaining: int(),
});

export const liveness = strictObject({ status: literal('ok') });
export const readiness = strictObject({ status: literal('ready') });

/** The one error shape; a 422 adds validation_errors, a 409 on create adds existing_id. */
export const error = strictObject({
  code: zEnum(ERROR_CODES),
  summary: string(),
  validation_errors: optional(record(string(), array(string()))),
  existing_id: optional(string()),
  provider_error: optional(string()),
  failed_check: optional(zEnum(READINESS_CHECKS)),
  request_id: string(),
});
