// API token format: "oat_" + 43 base64url characters (32 random bytes = 256 bits).
// The prefix makes a leaked token recognisable (secret scanners, logs review).
// Only the SHA-256 of the whole token is stored.
import { bytesToBase64Url, sha256Hex } from '../crypto/encoding';

export const TOKEN_PREFIX = 'oat_';
const TOKEN_PATTERN = /^oat_[A-Za-z0-9_-]{43}$/;
/** How much of a token is kept in clear to tell tokens apart in listings. */
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;

export function generateApiToken(): string {
  return TOKEN_PREFIX + bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export function isWellFormedApiToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function hashApiToken(token: string): Promise<string> {
  return sha256Hex(token);
}

export function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}
