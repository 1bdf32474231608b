// Keyed fingerprints of requests (HMAC-SHA-256 under a keyring-derived key).
// A request body may hold a client secret: a plain hash of it in the
// database would let anyone with the table test guesses offline; a keyed
// one does not. The key id is kept with the fingerprint so that it can be
// checked after the primary key changes.
import { bytesToHex, utf8 } from './encoding';
import type { Keyring } from './keyring';

async function mac(key: CryptoKey, text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(text))));
}

/** "<key id>:<hex HMAC>" under the primary key. */
export async function fingerprint(keyring: Keyring, text: string): Promise<string> {
  return `${keyring.primaryId}:${await mac(keyring.macKeys.get(keyring.primaryId)!, text)}`;
}

/** Whether `stored` is the fingerprint of `text`; false if its key has left the keyring. */
export async function fingerprintMatches(keyring: Keyring, stored: string, text: string): Promise<boolean> {
  const separator = stored.lastIndexOf(':');
  const key = keyring.macKeys.get(stored.slice(0, separator));
  return key !== undefined && stored.slice(separator + 1) === (await mac(key, text));
}
