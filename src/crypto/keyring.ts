// The keyring: several AES-256 keys, one primary. It arrives as one secret
// (ENCRYPTION_KEYRING) holding JSON: {"primary": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}.
// Keys are imported once per isolate, non-extractable.
import { base64ToBytes, bytesToBase64, utf8 } from './encoding';

export interface Keyring {
  readonly primaryId: string;
  /** AES-256-GCM keys, by id. */
  readonly keys: ReadonlyMap<string, CryptoKey>;
  /** HMAC-SHA-256 keys derived from the same key material (HKDF), by id. */
  readonly macKeys: ReadonlyMap<string, CryptoKey>;
  /** Tells two keyrings apart without showing either (keyringFingerprint). */
  readonly fingerprint: string;
}

/** The keyring secret is missing or malformed. The message never holds key material. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_BYTES = 32;

interface ParsedKeyring {
  primaryId: string;
  keys: Map<string, Uint8Array<ArrayBuffer>>;
}

export function parseKeyring(secret: string | undefined): ParsedKeyring {
  if (secret === undefined || secret.trim() === '') throw new KeyringError('ENCRYPTION_KEYRING is not set');
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch {
    throw new KeyringError('ENCRYPTION_KEYRING is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeyringError('ENCRYPTION_KEYRING must be a JSON object');
  }
  const { primary, keys } = value as { primary?: unknown; keys?: unknown };
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new KeyringError('ENCRYPTION_KEYRING.keys must be a non-empty object');
  }
  const parsed = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const [id, encoded] of Object.entries(keys)) {
    if (!KEY_ID.test(id)) throw new KeyringError('ENCRYPTION_KEYRING has a key id that is not 1-64 of [A-Za-z0-9_-]');
    const bytes = typeof encoded === 'string' ? base64ToBytes(encoded) : undefined;
    if (!bytes || bytes.length !== KEY_BYTES) {
      throw new KeyringError(`ENCRYPTION_KEYRING key "${id}" is not ${KEY_BYTES} bytes of base64`);
    }
    parsed.set(id, bytes);
  }
  if (typeof primary !== 'string' || !parsed.has(primary)) {
    throw new KeyringError('ENCRYPTION_KEYRING.primary must name one of its keys');
  }
  return { primaryId: primary, keys: parsed };
}

let cache: { secret: string | undefined; keyring: Promise<Keyring> } | undefined;

/** The imported keyring for this secret; imported once per isolate (per distinct secret). */
export function loadKeyring(secret: string | undefined): Promise<Keyring> {
  if (cache && cache.secret === secret) return cache.keyring;
  const keyring = importKeyring(secret);
  cache = { secret, keyring };
  // A failure is not cached: the next request tries again and fails the same way.
  keyring.catch(() => {
    if (cache?.keyring === keyring) cache = undefined;
  });
  return keyring;
}

const MAC_INFO = utf8.encode('oauth-apps/request-fingerprint/v1');

const FINGERPRINT_PREFIX = utf8.encode('oauth-apps/keyring-fingerprint/v1');

/**
 * 16 hex digits that differ when the primary, a key id or a key's bytes
 * differ: SHA-256 of a fixed prefix, the primary id and each id with its
 * bytes, in id order. A hash of 256-bit keys gives nothing to guess from, and
 * 64 bits tell keyrings apart; it lets an operator see that a server runs with
 * another keyring than a file holds.
 */
export async function keyringFingerprint(secret: string | undefined): Promise<string> {
  const parsed = parseKeyring(secret);
  try {
    return await fingerprintOf(parsed);
  } finally {
    for (const bytes of parsed.keys.values()) bytes.fill(0);
  }
}

async function fingerprintOf(parsed: ParsedKeyring): Promise<string> {
  const parts: Uint8Array[] = [FINGERPRINT_PREFIX, utf8.encode(`\0${parsed.primaryId}`)];
  for (const id of [...parsed.keys.keys()].sort()) parts.push(utf8.encode(`\0${id}\0`), parsed.keys.get(id)!);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  all.fill(0);
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function importKeyring(secret: string | undefined): Promise<Keyring> {
  const parsed = parseKeyring(secret);
  // Before the import loop below zeroes each key's bytes.
  const fingerprint = await fingerprintOf(parsed);
  const keys = new Map<string, CryptoKey>();
  const macKeys = new Map<string, CryptoKey>();
  for (const [id, bytes] of parsed.keys) {
    keys.set(id, await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']));
    // A separate key for MACs, so that one key never serves two algorithms.
    const base = await crypto.subtle.importKey('raw', bytes, 'HKDF', false, ['deriveKey']);
    macKeys.set(
      id,
      await crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: MAC_INFO },
        base,
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      ),
    );
    bytes.fill(0);
  }
  return { primaryId: parsed.primaryId, keys, macKeys, fingerprint };
}

/** A new keyring secret value with one fresh random key (for set-up scripts and tests). */
export function newKeyringSecret(keyId: string): string {
  if (!KEY_ID.test(keyId)) throw new KeyringError('key id must be 1-64 of [A-Za-z0-9_-]');
  const bytes = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  return JSON.stringify({ primary: keyId, keys: { [keyId]: bytesToBase64(bytes) } });
}
