// The storage schema. drizzle-kit generates migrations/ from this file; the
// migrations, applied by wrangler, are what databases run.
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Timestamps are ISO 8601 UTC text with milliseconds (fixed width, so text
// order is time order).

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: text('created_at').notNull(),
  // How many OAuth apps the account holds: moved by the triggers of
  // oauth_apps' inserts and deletes (migrations/0009_derived_by_triggers.sql),
  // so the quota (MAX_APPS_PER_ACCOUNT) is checked with one primary-key read,
  // never a count of the account's rows.
  appCount: integer('app_count').notNull().default(0),
  // The account's outbound budget for verifications (VERIFICATIONS_PER_ACCOUNT_PER_HOUR):
  // the hour counted (UTC, "2026-12-01T17") and how many it started, moved
  // in the batch that claims each verification.
  verificationWindow: text('verification_window'),
  verificationCount: integer('verification_count').notNull().default(0),
});

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    // SHA-256 of the whole token, hex. The token itself is never stored.
    tokenHash: text('token_hash').notNull().unique(),
    // The first characters of the token, to recognise it in listings.
    tokenPrefix: text('token_prefix').notNull(),
    // Space-separated scope names.
    scopes: text('scopes').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at'),
    revokedAt: text('revoked_at'),
    // Written at most once a minute per token (on a cache miss), not per request.
    lastUsedAt: text('last_used_at'),
  },
  (t) => [index('api_tokens_account_idx').on(t.accountId)],
);

export const oauthApps = sqliteTable(
  'oauth_apps',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    provider: text('provider').notNull(),
    name: text('name').notNull(),
    clientId: text('client_id').notNull(),
    // base64(iv || AES-GCM ciphertext || tag); see src/crypto/field-cipher.ts.
    clientSecretCiphertext: text('client_secret_ciphertext').notNull(),
    clientSecretKeyId: text('client_secret_key_id').notNull(),
    // The secret's generation: 1 when the app is created, bumped by every new
    // client_secret, kept by re-encryption. Part of the ciphertext's associated
    // data, so an older ciphertext written back into the row does not open.
    // 0: sealed before generations existed (no generation in its associated
    // data); key custody re-seals those at generation 1.
    clientSecretGeneration: integer('client_secret_generation').notNull().default(0),
    metadata: text('metadata').notNull().default('{}'),
    // The per-app values the provider's token endpoint template needs (JSON
    // object of strings; src/providers/providers.ts), e.g. {"shop": "acme"}.
    providerSettings: text('provider_settings').notNull().default('{}'),
    // The provider's verdict on the client credentials (POST .../verify):
    // 'valid', 'invalid' or 'inconclusive' (null: never verified, or the
    // secret or settings changed since), when, the provider's error code
    // (never its text) and, for inconclusive, why. An inconclusive attempt
    // never replaces a valid or invalid verdict.
    verificationStatus: text('verification_status'),
    verificationTime: text('verification_time'),
    verificationProviderError: text('verification_provider_error'),
    verificationReason: text('verification_reason'),
    // When the last verification through the endpoint started: at most one a
    // minute per app; a new client_secret clears it.
    verificationStartedAt: text('verification_started_at'),
    // When the app's credentials were last put to the provider, by any path
    // (the endpoint, a save with ?verify=true, the schedule): the scheduled
    // verification's clock (VERIFICATION_MAX_AGE_HOURS).
    verificationAttemptedAt: text('verification_attempted_at'),
    // When the client secret stops working, as the customer told us (null:
    // never, or not said). Health warns SECRET_EXPIRY_WARNING_DAYS before.
    clientSecretExpiresAt: text('client_secret_expires_at'),
    // The expiry stage ('warn' or 'error'; null: neither) as last written: by
    // the write that set client_secret_expires_at, then by the scheduled run
    // as time crosses each threshold. Health is computed from the time on
    // read; this column lets the health filter read each stage in list order,
    // and the schedule find the crossings (and announce them).
    expiryStage: text('expiry_stage'),
    // The shown health status last announced (at creation, or by the last
    // oauth_app.health_changed event): each change of it writes one event.
    healthAnnounced: text('health_announced').notNull().default('ok'),
    // The verdict of the last decryption or sealing of the secret ('ok' or
    // 'error', with notes and when). What the key id says (older key, missing
    // key) is added on read from the keyring, so reads never decrypt
    // (src/oauth-apps/health.ts).
    healthStatus: text('health_status').notNull().default('ok'),
    healthNotes: text('health_notes').notNull().default('[]'),
    healthTime: text('health_time').notNull(),
    // Bumped on every write; the ETag of later issues.
    version: integer('version').notNull().default(1),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('oauth_apps_account_provider_client_id_uq').on(t.accountId, t.provider, t.clientId),
    // Keyset pagination of an account's apps, newest first; and the same
    // within one provider or one health status (the two below), so filtered
    // pages cost the same.
    index('oauth_apps_account_created_id_idx').on(t.accountId, t.createdAt, t.id),
    index('oauth_apps_account_provider_created_id_idx').on(t.accountId, t.provider, t.createdAt, t.id),
    // The health filter's error page, stored half: the rows whose stored verdict
    // is error or whose provider rejected the credentials (partial: only those).
    // The health filter's error page, stored half: the rows whose stored verdict
    // is error, whose provider rejected the credentials, or whose expiry the
    // last write or scheduled run staged as error (partial: only those).
    index('oauth_apps_account_error_stage_created_id_idx')
      .on(t.accountId, t.createdAt, t.id)
      .where(sql`health_status = 'error' OR verification_status = 'invalid' OR expiry_stage = 'error'`),
    // The health filter's key-id half (ok: under the primary, no expiry stage;
    // warn: under an older key, or staged warn; error: a key id the keyring
    // lacks, as ranges between its ids), each in list order.
    index('oauth_apps_account_key_stage_created_id_idx').on(t.accountId, t.clientSecretKeyId, t.expiryStage, t.createdAt, t.id),
    // Expiries not yet staged as crossed (the schedule's backlog), and those
    // staged warn: per account (the filter) and across accounts (the schedule).
    // Partial: only rows with an expiry are in them.
    index('oauth_apps_account_unstaged_expiry_idx')
      .on(t.accountId, t.clientSecretExpiresAt)
      .where(sql`expiry_stage IS NULL AND client_secret_expires_at IS NOT NULL`),
    index('oauth_apps_account_warned_expiry_idx').on(t.accountId, t.clientSecretExpiresAt).where(sql`expiry_stage = 'warn'`),
    index('oauth_apps_unstaged_expiry_idx')
      .on(t.clientSecretExpiresAt)
      .where(sql`expiry_stage IS NULL AND client_secret_expires_at IS NOT NULL`),
    index('oauth_apps_warned_expiry_idx').on(t.clientSecretExpiresAt).where(sql`expiry_stage = 'warn'`),
    // The scheduled verification's due apps, the longest unasked first (partial: verified apps only).
    index('oauth_apps_verification_due_idx').on(t.verificationAttemptedAt).where(sql`verification_status IS NOT NULL`),
    // Across accounts, for key custody: secrets per key (keys:status), the
    // rows a rotation batch takes, and the verification sweep's oldest-checked first.
    index('oauth_apps_key_health_time_idx').on(t.clientSecretKeyId, t.healthStatus, t.healthTime),
    // The rows still sealed without a generation, which key custody re-seals:
    // partial, so it is empty once they are done.
    index('oauth_apps_generation_zero_idx')
      .on(t.clientSecretKeyId, t.healthStatus)
      .where(sql`client_secret_generation = 0`),
  ],
);

// The list's metadata filter, as an index: one row per top-level key of an
// app's metadata, written from the stored metadata by the triggers of the
// statement that writes it (migrations/0009_derived_by_triggers.sql; read by
// src/oauth-apps/oauth-apps.metadata-index.ts). A filtered page walks
// (account, key, kind, value, created_at, app_id) in list order and probes
// the other keys by primary key, so its cost never depends on metadata size.
// Only what a filter can name is kept: keys of at most 255 characters,
// values of at most 512 (longer ones can never equal a filter value).
export const oauthAppMetadata = sqliteTable(
  'oauth_app_metadata',
  {
    appId: text('app_id').notNull(),
    key: text('key').notNull(),
    accountId: text('account_id').notNull(),
    // The JSON type: null, true, false, number (integers and reals alike, as
    // the filter compares them), text, array, object.
    kind: text('kind').notNull(),
    // json_each's value, with no column affinity: a number stays a number, a
    // string its text, an array or object its JSON text; null for null, 1 and
    // 0 for true and false.
    value: blob('value', { mode: 'buffer' }),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.key] }),
    index('oauth_app_metadata_account_entry_created_idx').on(t.accountId, t.key, t.kind, t.value, t.createdAt, t.appId),
  ],
);

// The audit trail: one row per change to an app, per re-encryption of its
// secret, per answer that disclosed secrets (naming every app it disclosed)
// and per operator action, written in the same batch as what it records.
// Never a value: field names only, key ids, token ids. Kept for
// AUDIT_RETENTION_DAYS, then purged by the scheduled job.
export const auditEvents = sqliteTable(
  'audit_events',
  {
    // Insertion order, for exact newest-first pages.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    // No foreign key: the events of a deleted app are kept. The app when the
    // event names exactly one; null when it names several or none (app_ids).
    appId: text('app_id'),
    // JSON array of every app the event names; each also has its row in
    // audit_event_apps (written by the event's insert trigger), where the
    // trail is read by app.
    appIds: text('app_ids').notNull().default('[]'),
    action: text('action').notNull(),
    // JSON: {"fields": [...]} for updates, {"key_id": ...} / {"from_key_id", "to_key_id"} for secrets.
    details: text('details').notNull().default('{}'),
    // The API token that made the change; null for scheduled work.
    tokenId: text('token_id'),
    // The request's Request-Id, or the scheduled run's id.
    requestId: text('request_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    index('audit_events_account_seq_idx').on(t.accountId, t.seq),
    index('audit_events_account_action_seq_idx').on(t.accountId, t.action, t.seq),
    // The retention purge, oldest first.
    index('audit_events_created_idx').on(t.createdAt),
  ],
);

// Which apps each event names (one row per app): an app's trail, newest
// first, is a keyset walk of (account, app, event_seq), however many apps one
// event names (a list page that disclosed 100 secrets is one event). The
// table is its primary key alone: WITHOUT ROWID, added by hand to the
// migration (drizzle-kit cannot say it), so a row is stored once, not twice.
export const auditEventApps = sqliteTable(
  'audit_event_apps',
  {
    accountId: text('account_id').notNull(),
    appId: text('app_id').notNull(),
    eventSeq: integer('event_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.appId, t.eventSeq] })],
);

// One row per (account, Idempotency-Key): a reservation while the request
// runs, then the answer it gave, kept for 24 hours.
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    key: text('key').notNull(),
    // "<key id>:<HMAC-SHA-256>" of method, path and canonical body (src/crypto/fingerprint.ts).
    fingerprint: text('fingerprint').notNull(),
    // Who holds the reservation: a random id per request.
    reservationId: text('reservation_id').notNull(),
    // 'pending' while the request runs, 'complete' once its answer is stored.
    state: text('state').notNull(),
    // A pending reservation lapses at this time (a request that died).
    leaseExpiresAt: text('lease_expires_at').notNull(),
    responseStatus: integer('response_status'),
    responseHeaders: text('response_headers'),
    responseBody: text('response_body'),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.key] }),
    // The scheduled purge of expired records.
    index('idempotency_keys_expires_idx').on(t.expiresAt),
  ],
);

export type OAuthAppRow = typeof oauthApps.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
