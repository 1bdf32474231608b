// An app's health, honestly and cheaply. Four facts make it:
//   - the stored verdict of the last time the server sealed or decrypted the
//     secret ('ok', or 'error' with a note: it did not authenticate), with its time;
//   - the key id the secret is sealed under, read against the keyring now:
//     the primary (ok), an older key still in the keyring (warn: rotation
//     pending), or a key the keyring no longer has (error);
//   - the provider's verdict on the client credentials, if they were verified
//     (POST .../verify): invalid is error; inconclusive never changes the
//     status, only adds a note saying why it could not tell;
//   - the secret's expiry (client_secret_expires_at), read against the clock
//     now: warn from SECRET_EXPIRY_WARNING_DAYS before, error from the time.
// The shown status is the worst of them. Reads never decrypt: the verdict is refreshed when secrets are written,
// revealed, re-encrypted, and by the scheduled verification sweep.
import type { Keyring } from '../crypto/keyring';
import type { OAuthAppRow } from '../db/schema';
import { apiTimestamp } from '../util/api-time';
import { MAX_ANSWER_BYTES, type InconclusiveReason } from '../verification/probe';

export type HealthStatus = 'ok' | 'warn' | 'error';

/** The shown status a write leaves: `from` as last announced, `to` as shown after it (the same when it does not move). */
export interface HealthChange {
  from: HealthStatus;
  to: HealthStatus;
}

export interface Health {
  status: HealthStatus;
  notes: string[];
  /** When the state was last established: the secret sealed, re-encrypted, decrypted or verified (ISO 8601). */
  time: string;
}

/** What health needs of the keyring: its key ids, and which is primary. */
export type KeyIds = Pick<Keyring, 'primaryId'> & { readonly keys: ReadonlyMap<string, unknown> };

/** What health is read against: the keyring's ids, the clock, and how long before an expiry it warns. */
export interface HealthRules extends KeyIds {
  readonly now: Date;
  readonly expiryWarningMs: number;
}

const DAY_MS = 86_400_000;
/** SECRET_EXPIRY_WARNING_DAYS unset. */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

export function healthRules(keyring: KeyIds, expiryWarningDays = DEFAULT_EXPIRY_WARNING_DAYS, now = new Date()): HealthRules {
  return { primaryId: keyring.primaryId, keys: keyring.keys, now, expiryWarningMs: expiryWarningDays * DAY_MS };
}

/** Where an expiry stands: null (none, or further off than the warning), 'warn', or 'error' (passed). */
export type ExpiryStage = null | 'warn' | 'error';

export function expiryStageOf(expiresAt: string | null, rules: Pick<HealthRules, 'now' | 'expiryWarningMs'>): ExpiryStage {
  if (expiresAt === null) return null;
  const at = new Date(expiresAt).getTime();
  const now = rules.now.getTime();
  if (at <= now) return 'error';
  if (at - rules.expiryWarningMs <= now) return 'warn';
  return null;
}

const SEVERITY: Record<HealthStatus, number> = { ok: 0, warn: 1, error: 2 };
const worse = (a: HealthStatus, b: HealthStatus): HealthStatus => (SEVERITY[b] > SEVERITY[a] ? b : a);

export const notes = {
  olderKey: (keyId: string, primaryId: string) =>
    `The client secret is encrypted with the older key "${keyId}"; re-encryption under the primary key "${primaryId}" is pending.`,
  missingKey: (keyId: string) =>
    `The client secret is encrypted with the key "${keyId}", which is not in the keyring: it cannot be decrypted until that key is restored.`,
  undecryptable: (reason: string) =>
    `The client secret could not be decrypted: ${reason}. Set a new client_secret.`,
  rejected: (code: string, time: string) =>
    `The provider rejected the client credentials (${code}) when they were verified at ${apiTimestamp(time)}. Set the right client_secret (a wrong client_id needs a new app).`,
  inconclusive: (reason: string, time: string) =>
    `A verification at ${apiTimestamp(time)} could not tell whether the provider accepts the client credentials: ${REASONS[reason as InconclusiveReason] ?? reason}.`,
};

const REASONS: Record<InconclusiveReason, string> = {
  timeout: 'the provider did not answer in time',
  unreachable: 'the provider could not be reached',
  redirected: 'the provider answered with a redirect, which is never followed',
  rate_limited: 'the provider rate-limited the request',
  provider_unavailable: 'the provider answered with a server error',
  too_large: `the provider answered with more than ${MAX_ANSWER_BYTES / 1024} KiB`,
  unrecognized_answer: 'the provider answered in a way its catalog entry does not classify',
  unexpected_success: 'the provider issued a token for a code it never issued',
  secret_undecryptable: 'the stored client secret could not be decrypted',
};

const expiryNotes = {
  expired: (at: string) => `The client secret expired at ${apiTimestamp(at)}. Set a new client_secret (and its client_secret_expires_at).`,
  expiring: (at: string, now: Date) => {
    const days = Math.ceil((new Date(at).getTime() - now.getTime()) / DAY_MS);
    return `The client secret expires at ${apiTimestamp(at)}, in ${days} day${days === 1 ? '' : 's'}: set a new client_secret before then.`;
  },
};

type HealthFacts = Pick<
  OAuthAppRow,
  | 'healthStatus'
  | 'healthNotes'
  | 'healthTime'
  | 'clientSecretKeyId'
  | 'verificationStatus'
  | 'verificationTime'
  | 'verificationProviderError'
  | 'verificationReason'
  | 'clientSecretExpiresAt'
>;

/** The app's health as shown at the rules' clock. */
export function healthOf(row: HealthFacts, rules: HealthRules): Health {
  const health = custodyHealth(row, rules);
  const later = (at: string) => {
    if (at > health.time) health.time = at;
  };
  const verifiedAt = row.verificationTime;
  if (row.verificationStatus !== null && verifiedAt !== null) {
    later(verifiedAt);
    if (row.verificationStatus === 'invalid') {
      health.status = 'error';
      health.notes.push(notes.rejected(row.verificationProviderError ?? 'rejected', verifiedAt));
    } else if (row.verificationStatus === 'inconclusive') {
      health.notes.push(notes.inconclusive(row.verificationReason ?? 'unrecognized_answer', verifiedAt));
    }
  }
  const expiresAt = row.clientSecretExpiresAt;
  const stage = expiryStageOf(expiresAt, rules);
  if (expiresAt !== null && stage !== null) {
    health.status = worse(health.status, stage);
    if (stage === 'error') {
      later(new Date(expiresAt).toISOString());
      health.notes.push(expiryNotes.expired(expiresAt));
    } else {
      later(new Date(new Date(expiresAt).getTime() - rules.expiryWarningMs).toISOString());
      health.notes.push(expiryNotes.expiring(expiresAt, rules.now));
    }
  }
  return health;
}

/** What our custody of the secret says: the stored verdict, and its key id against the keyring. */
function custodyHealth(row: HealthFacts, keyring: KeyIds): Health {
  const time = row.healthTime;
  if (row.healthStatus === 'error') return { status: 'error', notes: [...(JSON.parse(row.healthNotes) as string[])], time };
  const keyId = row.clientSecretKeyId;
  if (!keyring.keys.has(keyId)) return { status: 'error', notes: [notes.missingKey(keyId)], time };
  if (keyId !== keyring.primaryId) return { status: 'warn', notes: [notes.olderKey(keyId, keyring.primaryId)], time };
  return { status: 'ok', notes: [], time };
}

/** The stored verdicts: only these two are ever written. */
export const VERDICT = { ok: 'ok', error: 'error' } as const;
