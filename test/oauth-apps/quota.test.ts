// MAX_APPS_PER_ACCOUNT: a create past the quota is 403, with nothing written;
// the quota is kept by a counter in the create's batch, never a COUNT(*).
import { describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/crypto/keyring';
import { insertOAuthAppStatements, oauthAppIsFree } from '../../src/oauth-apps/oauth-apps.repository';
import { newOAuthAppRow } from '../../src/oauth-apps/oauth-apps.service';
import { db, env, newCaller, request, seedBody, sendWithEnv, type TestToken } from '../support/fixtures';

const withQuota = (max: number) => ({ MAX_APPS_PER_ACCOUNT: String(max) });
const create = (caller: TestToken, max: number, body = seedBody(), headers: Record<string, string> = {}) =>
  sendWithEnv(request('POST', '/v1/oauth-apps', { token: caller.token, body, headers }), withQuota(max));

async function stored(accountId: string) {
  const row = await env.DB.prepare(
    `SELECT (SELECT count(*) FROM oauth_apps WHERE account_id = ?1) AS apps,
            (SELECT app_count FROM accounts WHERE id = ?1) AS counted,
            (SELECT count(*) FROM audit_events WHERE account_id = ?1) AS events,
            (SELECT count(*) FROM oauth_app_metadata WHERE account_id = ?1) AS indexed`,
  )
    .bind(accountId)
    .first<{ apps: number; counted: number; events: number; indexed: number }>();
  return row!;
}

describe('MAX_APPS_PER_ACCOUNT', () => {
  it('the create past the quota is 403 with its own summary, and writes nothing (no row, event, index row or idempotency answer of a write)', async () => {
    const caller = await newCaller();
    expect((await create(caller, 2)).status).toBe(200);
    expect((await create(caller, 2)).status).toBe(200);
    const before = await stored(caller.accountId);
    expect(before).toMatchObject({ apps: 2, counted: 2 });

    const res = await create(caller, 2, seedBody(), { 'Idempotency-Key': `q-${crypto.randomUUID()}` });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { summary: string };
    expect(body.summary).toMatch(/maximum of 2 OAuth apps/);
    expect(await stored(caller.accountId)).toEqual(before);

    // Another account is not affected; a delete frees a place.
    expect((await create(await newCaller(), 2)).status).toBe(200);
    const { results } = await env.DB.prepare('SELECT id FROM oauth_apps WHERE account_id = ? LIMIT 1').bind(caller.accountId).all<{ id: string }>();
    const del = await sendWithEnv(request('DELETE', `/v1/oauth-apps/${results[0]!.id}`, { token: caller.token }), withQuota(2));
    expect(del.status).toBe(200);
    expect((await stored(caller.accountId)).counted).toBe(1);
    expect((await create(caller, 2)).status).toBe(200);
    expect(await stored(caller.accountId)).toMatchObject({ apps: 2, counted: 2 });
  });

  it('a duplicate at the quota is still the 409 that names the existing app', async () => {
    const caller = await newCaller();
    const body = seedBody();
    expect((await create(caller, 1, body)).status).toBe(200);
    const res = await create(caller, 1, { ...body, client_secret: 'sk-other-secret-value' });
    expect(res.status).toBe(409);
  });

  it('quota 0: no app can be created', async () => {
    const caller = await newCaller();
    expect((await create(caller, 0)).status).toBe(403);
    expect(await stored(caller.accountId)).toMatchObject({ apps: 0, counted: 0, events: 0 });
  });

  it('concurrent creates never pass the quota: 12 at once against 5 places', async () => {
    const caller = await newCaller();
    const answers = await Promise.all(Array.from({ length: 12 }, () => create(caller, 5)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 403)).toHaveLength(7);
    expect(await stored(caller.accountId)).toMatchObject({ apps: 5, counted: 5 });
  });

  it('an invalid setting fails closed: 500 in the error shape, nothing written', async () => {
    const caller = await newCaller();
    for (const bad of ['-1', 'many', '1.5', '']) {
      const res = await sendWithEnv(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody() }), { MAX_APPS_PER_ACCOUNT: bad });
      if (bad === '') expect(res.status).toBe(200); // unset: the default
      else expect(res.status).toBe(500);
    }
    expect((await stored(caller.accountId)).apps).toBe(1);
  });

  it("the create's statements read the account's counter by primary key: no scan, no count of its apps", async () => {
    const caller = await newCaller();
    const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
    const row = await newOAuthAppRow(keyring, caller.accountId, seedBody() as never, new Date());
    for (const statement of insertOAuthAppStatements(db(), row, oauthAppIsFree(row, 100_000)).statements) {
      const { sql: text, params } = (statement as unknown as { toSQL(): { sql: string; params: unknown[] } }).toSQL();
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
      const detail = plan.results.map((r) => r.detail).join(' | ');
      expect(detail, text).not.toMatch(/SCAN (oauth_apps|accounts)\b|COUNT\(/i);
      expect(detail, text).not.toMatch(/TEMP B-TREE/);
    }
  });
});
