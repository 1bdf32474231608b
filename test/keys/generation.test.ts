// Generation-bound secrets: a secret's ciphertext is bound to the row's
// generation (bumped by every new secret, kept by re-encryption), so an older
// ciphertext written back into the row fails to open (health error) instead
// of opening to the old secret. Rows sealed before generations (0) keep
// opening, and key custody re-seals them at generation 1.
import { beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/crypto/field-cipher';
import { loadKeyring } from '../../src/crypto/keyring';
import { generationZeroRows } from '../../src/keys/custody.repository';
import { clientSecretContext } from '../../src/oauth-apps/oauth-apps.service';
import type { AppObject } from '../support/fixtures';
import { createAccount, createToken, db, env, newCaller, newSecret, rawRow, request, seedBody, sendWithEnv, type TestToken } from '../support/fixtures';
import { keyring } from '../support/keyrings';

// This file's own key ids: rows of other files sharing the database are
// under keys these keyrings lack, so the batches here take only ours.
const G1 = 'gen-k1';
const ONLY_G1 = keyring([G1], G1);
const G1_G2 = keyring([G1, 'gen-k2'], 'gen-k2');

let owner: TestToken;
let operator: TestToken;
beforeAll(async () => {
  owner = await newCaller();
  operator = await createToken(await createAccount(), ['keys:manage']);
});

const as = (ring: string, req: Request) => sendWithEnv(req, { ENCRYPTION_KEYRING: ring });

async function create(ring = ONLY_G1): Promise<{ app: AppObject; secret: string }> {
  const secret = newSecret();
  const res = await as(ring, request('POST', '/v1/oauth-apps', { token: owner.token, body: seedBody({ client_secret: secret }) }));
  expect(res.status).toBe(200);
  return { app: (await res.json()) as AppObject, secret };
}

async function reveal(id: string, ring = ONLY_G1): Promise<{ text: string; app: AppObject }> {
  const res = await as(ring, request('GET', `/v1/oauth-apps/${id}?truncate_secrets=false`, { token: owner.token }));
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, app: JSON.parse(text) as AppObject };
}

async function writeBack(id: string, ciphertext: string, generation?: number): Promise<void> {
  if (generation === undefined) {
    await env.DB.prepare('UPDATE oauth_apps SET client_secret_ciphertext = ? WHERE id = ?').bind(ciphertext, id).run();
  } else {
    await env.DB.prepare('UPDATE oauth_apps SET client_secret_ciphertext = ?, client_secret_generation = ? WHERE id = ?').bind(ciphertext, generation, id).run();
  }
}

describe('rollback of a ciphertext', () => {
  it('a new secret bumps the generation; the old ciphertext written back fails to open (health error), never to the old secret', async () => {
    const { app, secret: old } = await create();
    const before = (await rawRow(app.id))!;
    const res = await as(ONLY_G1, request('PATCH', `/v1/oauth-apps/${app.id}`, { token: owner.token, body: { client_secret: newSecret() } }));
    expect(res.status).toBe(200);

    await writeBack(app.id, before.client_secret_ciphertext as string);
    const { text, app: shown } = await reveal(app.id);
    expect(text.includes(old), 'the old secret opened').toBe(false);
    expect(shown.client_secret).toBeNull();
    expect(shown.health.status).toBe('error');
    const after = (await rawRow(app.id))!;
    expect(after.health_status).toBe('error');
    expect([before.client_secret_generation, after.client_secret_generation]).toEqual([1, 2]);
  });

  it('what it does not stop: someone who writes back both the ciphertext and its generation restores the old secret', async () => {
    const { app, secret: old } = await create();
    const before = (await rawRow(app.id))!;
    await as(ONLY_G1, request('PATCH', `/v1/oauth-apps/${app.id}`, { token: owner.token, body: { client_secret: newSecret() } }));
    await writeBack(app.id, before.client_secret_ciphertext as string, 1);
    expect((await reveal(app.id)).app.client_secret).toBe(old);
  });

  it('re-encryption keeps the generation: the secret still opens, and the pre-rotation ciphertext of the same generation is the same secret', async () => {
    const { app, secret } = await create();
    await as(ONLY_G1, request('PATCH', `/v1/oauth-apps/${app.id}`, { token: owner.token, body: { client_secret: secret } }));
    const rotated = await as(G1_G2, request('POST', '/v1/encryption-keys/rotate', { token: operator.token, body: { limit: 500 } }));
    expect(rotated.status).toBe(200);
    const row = (await rawRow(app.id))!;
    expect([row.client_secret_key_id, row.client_secret_generation]).toEqual(['gen-k2', 2]);
    expect((await reveal(app.id, G1_G2)).app.client_secret).toBe(secret);
  });
});

describe('secrets sealed before generations (generation 0)', () => {
  it('keep opening, count as pending, and key custody re-seals them at generation 1; after that their old ciphertext no longer opens', async () => {
    const { app } = await create();
    const ring = await loadKeyring(ONLY_G1);
    const row = (await rawRow(app.id))!;
    // What a row written before migration 0004 holds: a ciphertext whose associated data has no generation.
    const legacySecret = newSecret();
    const legacy = await seal(ring, legacySecret, clientSecretContext({ accountId: row.account_id as string, id: app.id, clientSecretGeneration: 0 }));
    await writeBack(app.id, legacy.ciphertext, 0);
    expect((await reveal(app.id)).app.client_secret).toBe(legacySecret);

    const status = await as(ONLY_G1, request('GET', '/v1/encryption-keys', { token: operator.token }));
    expect(((await status.json()) as { pending: number }).pending).toBeGreaterThanOrEqual(1);

    const res = await as(ONLY_G1, request('POST', '/v1/encryption-keys/rotate', { token: operator.token, body: { limit: 500 } }));
    expect(res.status).toBe(200);
    expect((await res.json()) as object).toMatchObject({ primary_key_id: G1, remaining: 0 });
    const resealed = (await rawRow(app.id))!;
    expect([resealed.client_secret_key_id, resealed.client_secret_generation]).toEqual([G1, 1]);
    expect(resealed.client_secret_ciphertext).not.toBe(legacy.ciphertext);
    expect((await reveal(app.id)).app.client_secret).toBe(legacySecret);

    // The generation-0 ciphertext written back (the counter left at 1) no longer opens.
    await writeBack(app.id, legacy.ciphertext);
    const after = await reveal(app.id);
    expect(after.app.client_secret).toBeNull();
    expect(after.app.health.status).toBe('error');
  });
});

it('finding rows at generation 0 reads only them: their partial index, which is empty once they are re-sealed', async () => {
  const { sql: text, params } = generationZeroRows(db(), G1, 200).toSQL();
  const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
  expect(plan.results.map((r) => r.detail).join(' | ')).toMatch(/^SEARCH oauth_apps USING INDEX oauth_apps_generation_zero_idx \(client_secret_key_id=\? AND health_status=\?\)$/);
});
