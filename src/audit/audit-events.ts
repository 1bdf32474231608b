// The audit trail's vocabulary: what an event records, and how it is shown.
// An event never holds a value: field names, key ids and token ids only.
import type { Context } from 'hono';
import type { AuditEventRow } from '../db/schema';
import type { AppEnv } from '../env';
import type { HealthChange, HealthStatus } from '../oauth-apps/health';
import { newId } from '../util/ids';

export const AUDIT_ACTIONS = [
  'oauth_app.created',
  'oauth_app.updated',
  'oauth_app.secret_revealed',
  'oauth_app.deleted',
  'oauth_app.secret_reencrypted',
  'oauth_app.verified',
  'oauth_app.health_changed',
  'encryption_keys.rotated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The fields of an app a PATCH can change, by their API names. */
export type ChangedField = 'name' | 'metadata' | 'client_secret' | 'provider_settings' | 'client_secret_expires_at';

export interface AuditDetails {
  /** oauth_app.updated: which fields changed (never their values). */
  fields?: ChangedField[];
  /** The key the secret is sealed under after the change. */
  key_id?: string;
  /** oauth_app.secret_reencrypted: the key it was under before. */
  from_key_id?: string;
  /**
   * encryption_keys.rotated (the operator's own trail): the run whose
   * oauth_app.secret_reencrypted events in tenants' trails carry it as
   * request_id, and how many secrets it re-encrypted and failed to open.
   */
  run_id?: string;
  reencrypted?: number;
  failed?: number;
  /** oauth_app.verified: the provider's verdict, its error code (never its text) and, when inconclusive, why. */
  verdict?: 'valid' | 'invalid' | 'inconclusive';
  provider_error?: string;
  reason?: string;
  /** oauth_app.health_changed: the shown health status before (as last announced) and after. */
  previous_status?: HealthStatus;
  status?: HealthStatus;
}

/** oauth_app.health_changed: the shown status moved from the one last announced. */
export function healthChangedEvent(accountId: string, appId: string, change: HealthChange): NewAuditEvent {
  return { accountId, appIds: [appId], action: 'oauth_app.health_changed', details: { previous_status: change.from, status: change.to } };
}

/** Who caused an event: a request (its token and Request-Id) or a scheduled run. */
export interface Actor {
  tokenId: string | null;
  requestId: string;
}

export interface NewAuditEvent {
  accountId: string;
  /** Every app the event names (none for an operator's action). */
  appIds: string[];
  action: AuditAction;
  details?: AuditDetails;
}

export interface AuditEventObject {
  id: string;
  action: string;
  /** The app, when the event names exactly one; else null (see app_ids). */
  app_id: string | null;
  app_ids: string[];
  details: AuditDetails;
  token_id: string | null;
  request_id: string;
  created_at: string;
}

export function presentAuditEvent(row: AuditEventRow): AuditEventObject {
  return {
    id: row.id,
    action: row.action,
    app_id: row.appId,
    app_ids: JSON.parse(row.appIds) as string[],
    details: JSON.parse(row.details) as AuditDetails,
    token_id: row.tokenId,
    request_id: row.requestId,
    // Events keep milliseconds: several can fall in one second.
    created_at: new Date(row.createdAt).toISOString(),
  };
}

/** The caller of an API request: its token and request id. */
export function requestActor(c: Context<AppEnv>): Actor {
  return { tokenId: c.get('auth').tokenId, requestId: c.get('requestId') };
}

/**
 * A custody run's actor in tenants' trails (the cron, or an operator's
 * rotation): no token, a run id in place of a Request-Id, so a tenant never
 * learns an operator's token or request, nor can match runs across accounts
 * by them. An operator's run is in the operator's own trail under its token.
 */
export function runActor(): Actor {
  return { tokenId: null, requestId: newId('run') };
}

