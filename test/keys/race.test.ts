// Re-encryption is a compare-and-swap on the old ciphertext: a PATCH of the
// secret that lands while a rotation batch is in flight keeps its value.
import { beforeAll, describe, expect, it } from 'vitest';
import { runActor } from '../../src/audit/audit-events';
import { loadKeyring } from '../../src/crypto/keyring';
import type { Database } from '../../src/db/client';
import { rotateBatch } from '../../src/keys/custody';
import type { AppObject } from '../support/fixtures';
import { createAccount, createToken, db, env, newCaller, newSecret, request, seedBody, sendWithEnv, type TestToken } from '../support/fixtures';
import { keyring } from '../support/keyrings';

// This file's own key ids: rows of other files sharing the database are
// under keys these keyrings lack, so the batches here take only ours.
const K1 = 'race-k1';
const K1_K2 = keyring([K1, 'race-k2'], 'race-k2');
const as = (req: Request) => sendWithEnv(req, { ENCRYPTION_KEYRING: K1_K2 });

let owner: TestToken;
let operator: TestToken;
beforeAll(async () => {
  owner = await newCaller();
  operator = await createToken(await createAccount(), ['keys:manage']);
});

async function createUnderK1(): Promise<AppObject> {
  const res = await sendWithEnv(request('POST', '/v1/oauth-apps', { token: owner.token, body: seedBody() }), {
    ENCRYPTION_KEYRING: keyring([K1], K1),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as AppObject;
}

async function revealed(id: string): Promise<string> {
  const res = await as(request('GET', `/v1/oauth-apps/${id}?truncate_secrets=false`, { token: owner.token }));
  expect(res.status).toBe(200);
  return ((await res.json()) as AppObject).client_secret!;
}

async function events(appId: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT action FROM audit_events WHERE app_id = ? ORDER BY seq')
    .bind(appId)
    .all<{ action: string }>();
  return results.map((r) => r.action);
}

describe('a PATCH racing the rotation batch', () => {
  it('lands between the batch reading the row and swapping it: the PATCH value stays, the swap is skipped', async () => {
    const app = await createUnderK1();
    const patchedSecret = newSecret();
    // The batch's reads and sealing happen first; the PATCH runs just before
    // its write, so the write meets a ciphertext it did not read.
    const real = db();
    const racing = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'batch') return Reflect.get(target, prop, receiver) as unknown;
        return async (statements: Parameters<Database['batch']>[0]) => {
          const res = await as(request('PATCH', `/v1/oauth-apps/${app.id}`, { token: owner.token, body: { client_secret: patchedSecret } }));
          expect(res.status).toBe(200);
          return target.batch(statements);
        };
      },
    });
    const result = await rotateBatch(racing, await loadKeyring(K1_K2), 500, runActor());
    expect(result).toMatchObject({ reencrypted: 0, raced: 1, remaining: 0 });
    expect(await revealed(app.id)).toBe(patchedSecret);
    expect(await events(app.id)).toEqual(['oauth_app.created', 'oauth_app.updated', 'oauth_app.secret_revealed']);
  });

  it('many PATCHes concurrent with rotation calls: every app ends with its PATCH value, under the primary', async () => {
    const apps: AppObject[] = [];
    for (let i = 0; i < 40; i++) apps.push(await createUnderK1());
    const patched = new Map(apps.map((a) => [a.id, newSecret()]));
    const rotations = async () => {
      for (let i = 0; i < 4; i++) {
        const res = await as(request('POST', '/v1/encryption-keys/rotate', { token: operator.token, body: { limit: 10 } }));
        expect(res.status).toBe(200);
      }
    };
    const patches = async (chunk: AppObject[]) => {
      for (const app of chunk) {
        const res = await as(request('PATCH', `/v1/oauth-apps/${app.id}`, { token: owner.token, body: { client_secret: patched.get(app.id) } }));
        expect(res.status).toBe(200);
      }
    };
    await Promise.all([rotations(), patches(apps.slice(0, 20)), patches(apps.slice(20)), rotations()]);
    for (const app of apps) expect(await revealed(app.id)).toBe(patched.get(app.id));
    const { results } = await env.DB.prepare(
      `SELECT DISTINCT client_secret_key_id AS k FROM oauth_apps WHERE id IN (${apps.map(() => '?').join(',')})`,
    )
      .bind(...apps.map((a) => a.id))
      .all<{ k: string }>();
    expect(results).toEqual([{ k: 'race-k2' }]);
  });
});
