// A stored secret tampered with, or moved to another row or account, fails to
// open with an error: never a wrong value. And apps are scoped to their account.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecryptionError } from '../../src/crypto/field-cipher';
import { base64ToBytes, bytesToBase64 } from '../../src/crypto/encoding';
import { loadKeyring, type Keyring } from '../../src/crypto/keyring';
import { oauthApps, type OAuthAppRow } from '../../src/db/schema';
import { findOAuthApp } from '../../src/oauth-apps/oauth-apps.repository';
import { revealClientSecret } from '../../src/oauth-apps/oauth-apps.service';
import { createApp, db, newCaller, seedBody, type TestToken, env } from '../support/fixtures';

let keyring: Keyring;
let a: TestToken;
let b: TestToken;

async function created(caller: TestToken): Promise<{ row: OAuthAppRow; secret: string }> {
  const body = seedBody();
  const res = await createApp(caller.token, body);
  const { id } = (await res.json()) as { id: string };
  const [row] = await db().select().from(oauthApps).where(eq(oauthApps.id, id));
  return { row: row!, secret: body.client_secret as string };
}

async function reread(id: string): Promise<OAuthAppRow> {
  const [row] = await db().select().from(oauthApps).where(eq(oauthApps.id, id));
  return row!;
}

beforeAll(async () => {
  keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
  a = await newCaller();
  b = await newCaller();
});

describe('stored ciphertexts', () => {
  it('a flipped byte in the stored ciphertext fails to decrypt', async () => {
    const { row } = await created(a);
    const bytes = base64ToBytes(row.clientSecretCiphertext)!;
    bytes[bytes.length - 5]! ^= 0x80;
    await env.DB.prepare('UPDATE oauth_apps SET client_secret_ciphertext = ? WHERE id = ?')
      .bind(bytesToBase64(bytes), row.id)
      .run();
    await expect(revealClientSecret(keyring, await reread(row.id))).rejects.toBeInstanceOf(DecryptionError);
  });

  it("a ciphertext copied into another row of the same account fails to decrypt", async () => {
    const source = await created(a);
    const target = await created(a);
    await env.DB.prepare('UPDATE oauth_apps SET client_secret_ciphertext = ?, client_secret_key_id = ? WHERE id = ?')
      .bind(source.row.clientSecretCiphertext, source.row.clientSecretKeyId, target.row.id)
      .run();
    await expect(revealClientSecret(keyring, await reread(target.row.id))).rejects.toBeInstanceOf(DecryptionError);
    // The source still opens to its own secret.
    expect(await revealClientSecret(keyring, source.row)).toBe(source.secret);
  });

  it("a ciphertext copied into another account's row fails to decrypt", async () => {
    const source = await created(a);
    const target = await created(b);
    await env.DB.prepare('UPDATE oauth_apps SET client_secret_ciphertext = ? WHERE id = ?')
      .bind(source.row.clientSecretCiphertext, target.row.id)
      .run();
    await expect(revealClientSecret(keyring, await reread(target.row.id))).rejects.toBeInstanceOf(DecryptionError);
  });

  it('a row moved to another account fails to decrypt', async () => {
    const { row } = await created(a);
    await env.DB.prepare('UPDATE oauth_apps SET account_id = ? WHERE id = ?').bind(b.accountId, row.id).run();
    await expect(revealClientSecret(keyring, await reread(row.id))).rejects.toBeInstanceOf(DecryptionError);
  });

  it('a row whose key id is changed fails to decrypt', async () => {
    const { row } = await created(a);
    await expect(revealClientSecret(keyring, { ...row, clientSecretKeyId: 'gone' })).rejects.toThrow(
      /not in the keyring/,
    );
  });
});

describe('account isolation at the storage level', () => {
  it("an app created with A's token is found for A and invisible to B", async () => {
    const { row } = await created(a);
    expect(row.accountId).toBe(a.accountId);
    expect((await findOAuthApp(db(), a.accountId, row.id))?.id).toBe(row.id);
    expect(await findOAuthApp(db(), b.accountId, row.id)).toBeUndefined();
  });

  it("A's provider + client_id does not block B, and each sees only its own", async () => {
    const body = seedBody();
    const resA = await createApp(a.token, body);
    const resB = await createApp(b.token, { ...body, client_secret: seedBody().client_secret });
    expect(resA.status).toBe(200);
    expect(resB.status).toBe(200);
    const idA = ((await resA.json()) as { id: string }).id;
    const idB = ((await resB.json()) as { id: string }).id;
    expect(idA).not.toBe(idB);
    expect(await findOAuthApp(db(), b.accountId, idA)).toBeUndefined();
    expect(await findOAuthApp(db(), a.accountId, idB)).toBeUndefined();
  });
});
