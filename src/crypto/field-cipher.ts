// Sealing of one secret field with AES-256-GCM. The associated data binds a
// ciphertext to its account, row, field and generation: copied to another
// row, or written back into its own row once the row has moved to a later
// generation (a new secret), it fails to open.
import { base64ToBytes, bytesToBase64, utf8 } from './encoding';
import type { Keyring } from './keyring';

export interface FieldContext {
  readonly accountId: string;
  readonly rowId: string;
  /** Table and column, e.g. "oauth_apps.client_secret". */
  readonly field: string;
  /**
   * The value's generation (every new value bumps it; re-encryption keeps it).
   * 0: a value sealed before generations existed, whose associated data has none.
   */
  readonly generation: number;
}

export interface SealedField {
  readonly keyId: string;
  /** base64(iv || ciphertext || tag) */
  readonly ciphertext: string;
}

/** Opening failed: unknown key, or the ciphertext or its context does not authenticate. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
  constructor(
    /** missing-key: the keyring lacks the key (restorable); the others: the stored bytes are bad. */
    readonly reason: 'missing-key' | 'malformed' | 'unauthenticated',
    message: string,
  ) {
    super(message);
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const LEGACY_AAD = 'field-cipher/v1';
const AAD_VERSION = 'field-cipher/v2';

function associatedData(context: FieldContext): Uint8Array<ArrayBuffer> {
  // JSON of an array: unambiguous whatever the ids contain. Generation 0 is
  // the format before generations, so those ciphertexts still open (and only
  // at generation 0). (A copy typed on an ArrayBuffer: under Node's types,
  // encode() may return a shared one.)
  const parts =
    context.generation === 0
      ? [LEGACY_AAD, context.field, context.accountId, context.rowId]
      : [AAD_VERSION, context.field, context.accountId, context.rowId, context.generation];
  return new Uint8Array(utf8.encode(JSON.stringify(parts)));
}

export async function seal(keyring: Keyring, plaintext: string, context: FieldContext): Promise<SealedField> {
  const key = keyring.keys.get(keyring.primaryId)!;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const encrypted = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(context) },
    key,
    utf8.encode(plaintext),
  );
  const out = new Uint8Array(IV_BYTES + encrypted.byteLength);
  out.set(iv);
  out.set(new Uint8Array(encrypted), IV_BYTES);
  return { keyId: keyring.primaryId, ciphertext: bytesToBase64(out) };
}

export async function open(keyring: Keyring, sealed: SealedField, context: FieldContext): Promise<string> {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new DecryptionError('missing-key', `key "${sealed.keyId}" is not in the keyring`);
  const bytes = base64ToBytes(sealed.ciphertext);
  if (!bytes || bytes.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('malformed', 'the ciphertext is malformed');
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: associatedData(context) },
      key,
      bytes.subarray(IV_BYTES),
    );
  } catch {
    throw new DecryptionError('unauthenticated', 'the ciphertext does not authenticate (corrupted or tampered)');
  }
  // ignoreBOM: a leading U+FEFF is part of the secret, not to be stripped.
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plaintext);
}
