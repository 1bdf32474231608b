// What the OAuth app endpoints do, free of HTTP: sealing secrets, building rows.
import { open, seal, type FieldContext } from '../crypto/field-cipher';
import type { Keyring } from '../crypto/keyring';
import type { Database } from '../db/client';
import type { OAuthAppRow } from '../db/schema';
import type { CreateOAuthAppInput } from './oauth-apps.schemas';
import { insertOAuthApp } from './oauth-apps.repository';

export const CLIENT_SECRET_FIELD = 'oauth_apps.client_secret';

export function clientSecretContext(row: Pick<OAuthAppRow, 'accountId' | 'id'>): FieldContext {
  return { accountId: row.accountId, rowId: row.id, field: CLIENT_SECRET_FIELD };
}

export async function createOAuthApp(
  db: Database,
  keyring: Keyring,
  accountId: string,
  input: CreateOAuthAppInput,
): Promise<OAuthAppRow> {
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  // The plaintext goes no further than this call: only the ciphertext is kept.
  const sealed = await seal(keyring, input.client_secret, clientSecretContext({ accountId, id }));
  const row: OAuthAppRow = {
    id,
    accountId,
    provider: input.provider,
    name: input.name,
    clientId: input.client_id,
    clientSecretCiphertext: sealed.ciphertext,
    clientSecretKeyId: sealed.keyId,
    metadata: JSON.stringify(input.metadata ?? {}),
    healthStatus: 'ok',
    healthNotes: '[]',
    healthTime: now,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  await insertOAuthApp(db, row);
  return row;
}

/** The plaintext client secret of a row; throws DecryptionError if it does not open. */
export function revealClientSecret(keyring: Keyring, row: OAuthAppRow): Promise<string> {
  return open(
    keyring,
    { keyId: row.clientSecretKeyId, ciphertext: row.clientSecretCiphertext },
    clientSecretContext(row),
  );
}
