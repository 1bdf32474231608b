// Keyrings for the key-custody tests: the suite's own key (test-k1, what the
// app runs with) plus more, each made once per test file.
import { bytesToBase64 } from '../../src/crypto/encoding';
import { env } from './fixtures';

export const K1 = 'test-k1';
const material = new Map<string, string>([[K1, (JSON.parse(env.ENCRYPTION_KEYRING) as { keys: Record<string, string> }).keys[K1]!]]);

/** A keyring secret holding `ids` (new ones random), `primary` among them. */
export function keyring(ids: string[], primary: string): string {
  const keys: Record<string, string> = {};
  for (const id of ids) {
    if (!material.has(id)) material.set(id, bytesToBase64(crypto.getRandomValues(new Uint8Array(32))));
    keys[id] = material.get(id)!;
  }
  return JSON.stringify({ primary, keys });
}
