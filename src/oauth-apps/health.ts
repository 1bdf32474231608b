// An app's health, honestly and cheaply. Three facts make it:
//   - the stored verdict of the last time the server sealed or decrypted the
//     secret ('ok', or 'error' with a note: it did not authenticate), with its time;
//   - the key id the secret is sealed under, read against the keyring now:
//     the primary (ok), an older key still in the keyring (warn: rotation
//     pending), or a key the keyring no longer has (error);
//   - the provider's verdict on the client credentials, if they were verified
//     (POST .../verify): invalid is error; inconclusive never changes the
//     status, only adds a note saying why it could not tell.
// Reads never decrypt: the verdict is refreshed when secrets are written,
// revealed, re-encrypted, and by the scheduled verification sweep.
import type { Keyring } from '../crypto/keyring';
import type { OAuthAppRow } from '../db/schema';
import { apiTimestamp } from '../util/api-time';
import { MAX_ANSWER_BYTES, type InconclusiveReason } from '../verification/probe';

export type HealthStatus = 'ok' | 'warn' | 'error';

export interface Health {
  status: HealthStatus;
  notes: string[];
  /** When the state was last established: the secret sealed, re-encrypted, decrypted or verified (ISO 8601). */
  time: string;
}

/** What health needs of the keyring: its key ids, and which is primary. */
export type KeyIds = Pick<Keyring, 'primaryId'> & { readonly keys: ReadonlyMap<string, unknown> };

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

type HealthFacts = Pick<
  OAuthAppRow,
  'healthStatus' | 'healthNotes' | 'healthTime' | 'clientSecretKeyId' | 'verificationStatus' | 'verificationTime' | 'verificationProviderError' | 'verificationReason'
>;

export function healthOf(row: HealthFacts, keyring: KeyIds): Health {
  const custody = custodyHealth(row, keyring);
  const verifiedAt = row.verificationTime;
  if (row.verificationStatus === null || verifiedAt === null) return custody;
  const time = verifiedAt > custody.time ? verifiedAt : custody.time;
  if (row.verificationStatus === 'invalid') {
    return { status: 'error', notes: [...custody.notes, notes.rejected(row.verificationProviderError ?? 'rejected', verifiedAt)], time };
  }
  if (row.verificationStatus === 'inconclusive') {
    return { ...custody, notes: [...custody.notes, notes.inconclusive(row.verificationReason ?? 'unrecognized_answer', verifiedAt)], time };
  }
  return { ...custody, time };
}

/** What our custody of the secret says: the stored verdict, and its key id against the keyring. */
function custodyHealth(row: HealthFacts, keyring: KeyIds): Health {
  const time = row.healthTime;
  if (row.healthStatus === 'error') return { status: 'error', notes: JSON.parse(row.healthNotes) as string[], time };
  const keyId = row.clientSecretKeyId;
  if (!keyring.keys.has(keyId)) return { status: 'error', notes: [notes.missingKey(keyId)], time };
  if (keyId !== keyring.primaryId) return { status: 'warn', notes: [notes.olderKey(keyId, keyring.primaryId)], time };
  return { status: 'ok', notes: [], time };
}

/** The stored verdicts: only these two are ever written. */
export const VERDICT = { ok: 'ok', error: 'error' } as const;
