// An app's health, honestly and cheaply. Two facts make it:
//   - the stored verdict of the last time the server sealed or decrypted the
//     secret ('ok', or 'error' with a note: it did not authenticate), with its time;
//   - the key id the secret is sealed under, read against the keyring now:
//     the primary (ok), an older key still in the keyring (warn: rotation
//     pending), or a key the keyring no longer has (error).
// Reads never decrypt: the verdict is refreshed when secrets are written,
// revealed, re-encrypted, and by the scheduled verification sweep.
import type { Keyring } from '../crypto/keyring';
import type { OAuthAppRow } from '../db/schema';

export type HealthStatus = 'ok' | 'warn' | 'error';

export interface Health {
  status: HealthStatus;
  notes: string[];
  /** When the state was last established: the secret sealed, re-encrypted or decrypted (ISO 8601). */
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
};

export function healthOf(row: Pick<OAuthAppRow, 'healthStatus' | 'healthNotes' | 'healthTime' | 'clientSecretKeyId'>, keyring: KeyIds): Health {
  const time = row.healthTime;
  if (row.healthStatus === 'error') return { status: 'error', notes: JSON.parse(row.healthNotes) as string[], time };
  const keyId = row.clientSecretKeyId;
  if (!keyring.keys.has(keyId)) return { status: 'error', notes: [notes.missingKey(keyId)], time };
  if (keyId !== keyring.primaryId) return { status: 'warn', notes: [notes.olderKey(keyId, keyring.primaryId)], time };
  return { status: 'ok', notes: [], time };
}

/** The stored verdicts: only these two are ever written. */
export const VERDICT = { ok: 'ok', error: 'error' } as const;
