// What the OAuth app endpoints do, free of HTTP: sealing and opening secrets,
// building rows and changes.
import type { ChangedField } from '../audit/audit-events';
import { DecryptionError, open, seal, type FieldContext } from '../crypto/field-cipher';
import type { Keyring } from '../crypto/keyring';
import type { OAuthAppRow } from '../db/schema';
import { canonicalJson } from '../util/canonical-json';
import type { AnnouncedChange } from '../audit/audit.repository';
import { expiryStageOf, healthOf, healthRules, notes, VERDICT, type HealthChange, type HealthRules, type HealthStatus } from './health';
import type { OAuthAppChanges } from './oauth-apps.repository';
import type { CreateOAuthAppInput, UpdateOAuthAppInput } from './oauth-apps.schemas';

export const CLIENT_SECRET_FIELD = 'oauth_apps.client_secret';

/** What a row's client secret is bound to: account, row, field and the secret's generation. */
export function clientSecretContext(row: Pick<OAuthAppRow, 'accountId' | 'id' | 'clientSecretGeneration'>): FieldContext {
  return { accountId: row.accountId, rowId: row.id, field: CLIENT_SECRET_FIELD, generation: row.clientSecretGeneration };
}

/** A time as stored: UTC with milliseconds (text order is time order). */
export const storedTime = (text: string | null | undefined) => (text === null || text === undefined ? null : new Date(text).toISOString());

/** The row's expiry stage and announced status, as a write leaves them: both what the row shows now. */
export function withShownHealth<R extends OAuthAppRow>(row: R, rules: HealthRules): R {
  return { ...row, expiryStage: expiryStageOf(row.clientSecretExpiresAt, rules), healthAnnounced: healthOf(row, rules).status };
}

/** The row for a new app, its secret sealed. The plaintext goes no further. */
export async function newOAuthAppRow(
  keyring: Keyring,
  accountId: string,
  input: CreateOAuthAppInput,
  now: Date,
  rules: HealthRules = healthRules(keyring, undefined, now),
): Promise<OAuthAppRow> {
  const id = crypto.randomUUID();
  const at = now.toISOString();
  const sealed = await seal(keyring, input.client_secret, clientSecretContext({ accountId, id, clientSecretGeneration: 1 }));
  return withShownHealth({
    id,
    accountId,
    provider: input.provider,
    name: input.name,
    clientId: input.client_id,
    clientSecretCiphertext: sealed.ciphertext,
    clientSecretKeyId: sealed.keyId,
    clientSecretGeneration: 1,
    // Canonical (keys sorted), so that the list's metadata filter can compare nested values as text.
    metadata: canonicalJson(input.metadata ?? {}),
    providerSettings: canonicalJson(input.provider_settings ?? {}),
    healthStatus: VERDICT.ok,
    healthNotes: '[]',
    healthTime: at,
    ...NOT_VERIFIED,
    clientSecretExpiresAt: storedTime(input.client_secret_expires_at),
    expiryStage: null,
    healthAnnounced: VERDICT.ok,
    version: 1,
    createdAt: at,
    updatedAt: at,
  }, rules);
}

/** A verification's columns when there is none (never verified, or the secret or settings changed since). */
export const NOT_VERIFIED = {
  verificationStatus: null,
  verificationTime: null,
  verificationProviderError: null,
  verificationReason: null,
  verificationStartedAt: null,
  verificationAttemptedAt: null,
} as const;

/**
 * What a PATCH changes: undefined when nothing would (an omitted field is
 * unchanged; a sent client_secret always counts as a change and is sealed
 * afresh under the primary key with a new IV, so it needs the keyring).
 */
export async function planOAuthAppUpdate(
  keyring: Keyring | undefined,
  current: OAuthAppRow,
  input: UpdateOAuthAppInput,
  now: Date,
  rules: HealthRules,
): Promise<{ changes: OAuthAppChanges; next: OAuthAppRow; healthChange?: HealthChange } | undefined> {
  const changes: OAuthAppChanges = {};
  if (input.name !== undefined && input.name !== current.name) changes.name = input.name;
  if (input.metadata !== undefined) {
    const metadata = canonicalJson(input.metadata ?? {});
    if (metadata !== current.metadata) changes.metadata = metadata;
  }
  if (input.provider_settings !== undefined) {
    const settings = canonicalJson(input.provider_settings ?? {});
    if (settings !== current.providerSettings) changes.providerSettings = settings;
  }
  if (input.client_secret !== undefined) {
    if (!keyring) throw new Error('a keyring is needed to seal a new client_secret');
    // A new secret is a new generation: the ciphertexts of earlier ones no longer open in this row.
    const generation = current.clientSecretGeneration + 1;
    const sealed = await seal(keyring, input.client_secret, clientSecretContext({ ...current, clientSecretGeneration: generation }));
    changes.clientSecretCiphertext = sealed.ciphertext;
    changes.clientSecretKeyId = sealed.keyId;
    changes.clientSecretGeneration = generation;
    // A freshly sealed secret is healthy as of now, whatever the old one was.
    changes.healthStatus = VERDICT.ok;
    changes.healthNotes = '[]';
    changes.healthTime = now.toISOString();
  }
  // A new secret's expiry is its own: unsaid, it is not known (null).
  const expiresAt = input.client_secret_expires_at !== undefined ? storedTime(input.client_secret_expires_at) : input.client_secret !== undefined ? null : undefined;
  if (expiresAt !== undefined && expiresAt !== current.clientSecretExpiresAt) changes.clientSecretExpiresAt = expiresAt;
  if (Object.keys(changes).length === 0) return undefined;
  // A verdict is about the secret and endpoint it was reached with: a new one
  // of either clears it, and the per-app minute with it.
  if (changes.clientSecretCiphertext !== undefined || changes.providerSettings !== undefined) Object.assign(changes, NOT_VERIFIED);
  changes.updatedAt = now.toISOString();
  const next = withShownHealth({ ...current, ...changes, version: current.version + 1 }, rules);
  changes.expiryStage = next.expiryStage;
  changes.healthAnnounced = next.healthAnnounced;
  return { changes, next, ...healthChangeOf(current, next) };
}

/**
 * A save's changes with a verdict of verify=true added (after a new secret's
 * NOT_VERIFIED: the verdict is about the credentials written). The verdict is
 * not a field: it moves the version, not updated_at.
 */
export function withVerdict(current: OAuthAppRow, changes: OAuthAppChanges, verdict: OAuthAppChanges, rules: HealthRules) {
  const all: OAuthAppChanges = { ...changes, ...verdict };
  const next = withShownHealth({ ...current, ...all, version: current.version + 1 }, rules);
  all.expiryStage = next.expiryStage;
  all.healthAnnounced = next.healthAnnounced;
  return { changes: all, next, ...healthChangeOf(current, next) };
}

/** The change of the shown status a write makes, when it makes one: its oauth_app.health_changed event. */
export function healthChangeOf(before: Pick<OAuthAppRow, 'healthAnnounced'>, after: Pick<OAuthAppRow, 'healthAnnounced'>): { healthChange?: HealthChange } {
  return before.healthAnnounced === after.healthAnnounced
    ? {}
    : { healthChange: { from: before.healthAnnounced as HealthStatus, to: after.healthAnnounced as HealthStatus } };
}

/** The plaintext client secret of a row; throws DecryptionError if it does not open. */
export function revealClientSecret(keyring: Keyring, row: OAuthAppRow): Promise<string> {
  return open(
    keyring,
    { keyId: row.clientSecretKeyId, ciphertext: row.clientSecretCiphertext },
    clientSecretContext(row),
  );
}

/** The fields a change touches, by their API names (for the audit trail; never the values). */
export function changedFields(changes: OAuthAppChanges): ChangedField[] {
  const fields: ChangedField[] = [];
  if (changes.name !== undefined) fields.push('name');
  if (changes.metadata !== undefined) fields.push('metadata');
  if (changes.clientSecretCiphertext !== undefined) fields.push('client_secret');
  if (changes.providerSettings !== undefined) fields.push('provider_settings');
  if (changes.clientSecretExpiresAt !== undefined) fields.push('client_secret_expires_at');
  return fields;
}

/** A secret that opened, or why not: the health note, and whether the fault is the row's. */
export type Opened = { plaintext: string } | { note: string; rowAtFault: boolean };

/**
 * Opens a row's secret, or says why it did not. A bad ciphertext is the row's
 * fault (stored as its verdict); a key missing from the keyring is the
 * keyring's state (shown, never stored: restoring the key heals it).
 */
export async function openClientSecret(keyring: Keyring, row: OAuthAppRow): Promise<Opened> {
  try {
    return { plaintext: await revealClientSecret(keyring, row) };
  } catch (err) {
    if (!(err instanceof DecryptionError)) throw err;
    if (err.reason === 'missing-key') return { note: notes.missingKey(row.clientSecretKeyId), rowAtFault: false };
    return { note: notes.undecryptable(err.message), rowAtFault: true };
  }
}

/** What writing `changes` to `row` announces: the status last announced, and the one it shows after. */
export function announceOf(row: OAuthAppRow, changes: Partial<OAuthAppRow>, rules: HealthRules): HealthChange {
  return { from: row.healthAnnounced as HealthStatus, to: healthOf({ ...row, ...changes }, rules).status };
}

/** A row as read, and what the write judging it announces. */
export interface Judged {
  row: OAuthAppRow;
  announce: HealthChange;
}

/** The rows among judged ones whose shown status moves: their oauth_app.health_changed events. */
export function movedAnnouncements(judged: Judged[]): AnnouncedChange[] {
  return judged
    .filter(({ announce }) => announce.from !== announce.to)
    .map(({ row, announce }) => ({ id: row.id, ciphertext: row.clientSecretCiphertext, expiresAt: row.clientSecretExpiresAt, ...announce }));
}
