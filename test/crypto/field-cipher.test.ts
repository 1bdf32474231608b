// seal/open: round trip, fresh IVs, and failure (never a wrong value) on any tampering or move.
import { describe, expect, it } from 'vitest';
import { DecryptionError, open, seal, type FieldContext } from '../../src/crypto/field-cipher';
import { base64ToBytes, bytesToBase64 } from '../../src/crypto/encoding';
import { KeyringError, loadKeyring, newKeyringSecret, parseKeyring } from '../../src/crypto/keyring';

const context: FieldContext = { accountId: 'acct-a', rowId: 'row-1', field: 'oauth_apps.client_secret', generation: 1 };

describe('field cipher', () => {
  it('round-trips any string, including empty, unicode and a leading BOM', async () => {
    const keyring = await loadKeyring(newKeyringSecret('k1'));
    for (const plaintext of ['s3cr3t', '', 'ünïcødé 🔑', '\ufeffbom-first', 'x'.repeat(4096)]) {
      const sealed = await seal(keyring, plaintext, context);
      expect(sealed.keyId).toBe('k1');
      expect(sealed.ciphertext.includes(plaintext) && plaintext !== '').toBe(false);
      expect(await open(keyring, sealed, context)).toBe(plaintext);
    }
  });

  it('uses a fresh 96-bit IV every time', async () => {
    const keyring = await loadKeyring(newKeyringSecret('k1'));
    const ivs = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const sealed = await seal(keyring, 'same', context);
      ivs.add(bytesToBase64(base64ToBytes(sealed.ciphertext)!.subarray(0, 12)));
    }
    expect(ivs.size).toBe(100);
  });

  it('fails on a ciphertext moved to another row, account, field or generation', async () => {
    const keyring = await loadKeyring(newKeyringSecret('k1'));
    const sealed = await seal(keyring, 'secret', context);
    for (const moved of [
      { ...context, rowId: 'row-2' },
      { ...context, accountId: 'acct-b' },
      { ...context, field: 'oauth_apps.name' },
      { ...context, generation: 2 },
      { ...context, generation: 0 },
    ]) {
      await expect(open(keyring, sealed, moved)).rejects.toBeInstanceOf(DecryptionError);
    }
  });

  it('a generation 0 ciphertext (sealed before generations) opens at generation 0 only', async () => {
    const keyring = await loadKeyring(newKeyringSecret('k1'));
    const legacy = await seal(keyring, 'old', { ...context, generation: 0 });
    expect(await open(keyring, legacy, { ...context, generation: 0 })).toBe('old');
    await expect(open(keyring, legacy, { ...context, generation: 1 })).rejects.toBeInstanceOf(DecryptionError);
  });

  it('fails on any flipped byte, and on truncation', async () => {
    const keyring = await loadKeyring(newKeyringSecret('k1'));
    const sealed = await seal(keyring, 'secret', context);
    const bytes = base64ToBytes(sealed.ciphertext)!;
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i]! ^= 0x01;
      await expect(open(keyring, { ...sealed, ciphertext: bytesToBase64(tampered) }, context)).rejects.toBeInstanceOf(
        DecryptionError,
      );
    }
    await expect(
      open(keyring, { ...sealed, ciphertext: bytesToBase64(bytes.subarray(0, 20)) }, context),
    ).rejects.toBeInstanceOf(DecryptionError);
    await expect(open(keyring, { ...sealed, ciphertext: 'not base64!' }, context)).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it('fails under another key, and when the key id is not in the keyring', async () => {
    const one = await loadKeyring(newKeyringSecret('k1'));
    const other = await loadKeyring(newKeyringSecret('k1'));
    const sealed = await seal(one, 'secret', context);
    await expect(open(other, sealed, context)).rejects.toBeInstanceOf(DecryptionError);
    await expect(open(one, { ...sealed, keyId: 'k9' }, context)).rejects.toThrow(/not in the keyring/);
  });

  it('opens with an older key of the keyring after a new primary is added', async () => {
    const k1 = JSON.parse(newKeyringSecret('k1')) as { keys: Record<string, string> };
    const k2 = JSON.parse(newKeyringSecret('k2')) as { keys: Record<string, string> };
    const before = await loadKeyring(JSON.stringify({ primary: 'k1', keys: k1.keys }));
    const after = await loadKeyring(JSON.stringify({ primary: 'k2', keys: { ...k1.keys, ...k2.keys } }));
    const old = await seal(before, 'secret', context);
    expect(await open(after, old, context)).toBe('secret');
    expect((await seal(after, 'secret', context)).keyId).toBe('k2');
  });
});

describe('keyring parsing', () => {
  const key = bytesToBase64(new Uint8Array(32));
  const bad: [string, string | undefined][] = [
    ['missing', undefined],
    ['blank', '  '],
    ['not JSON', '{'],
    ['an array', '[]'],
    ['no keys', JSON.stringify({ primary: 'k', keys: {} })],
    ['a short key', JSON.stringify({ primary: 'k', keys: { k: bytesToBase64(new Uint8Array(16)) } })],
    ['a key that is not base64', JSON.stringify({ primary: 'k', keys: { k: '!'.repeat(44) } })],
    ['a key that is not a string', JSON.stringify({ primary: 'k', keys: { k: 5 } })],
    ['a bad key id', JSON.stringify({ primary: 'k k', keys: { 'k k': key } })],
    ['a primary not in keys', JSON.stringify({ primary: 'x', keys: { k: key } })],
  ];
  for (const [label, secret] of bad) {
    it(`refuses ${label}, without key material in the message`, async () => {
      expect(() => parseKeyring(secret)).toThrow(KeyringError);
      await expect(loadKeyring(secret)).rejects.toBeInstanceOf(KeyringError);
      try {
        parseKeyring(secret);
      } catch (err) {
        expect((err as Error).message.includes(key)).toBe(false);
      }
    });
  }

  it('imports keys non-extractable', async () => {
    const keyring = await loadKeyring(newKeyringSecret('k1'));
    const cryptoKey = keyring.keys.get('k1')!;
    expect(cryptoKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', cryptoKey)).rejects.toThrow();
  });

  it('imports once per isolate for the same secret', async () => {
    const secret = newKeyringSecret('k1');
    expect(await loadKeyring(secret)).toBe(await loadKeyring(secret));
  });
});
