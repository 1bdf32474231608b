// The hot path's statements are built once per isolate (src/db/prebuilt.ts):
// after the first of each shape, a GET of an app, a list page, the token
// lookup and a create (with and without an Idempotency-Key) ask drizzle to
// build no SQL text, on every target, and run what a fresh build would.
import { SQLiteDialect } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { eventValues } from '../../src/audit/audit.repository';
import { loadKeyring } from '../../src/crypto/keyring';
import { oauthApps } from '../../src/db/schema';
import { answerValues } from '../../src/idempotency/idempotency.repository';
import { buildCreateBatch, createBatch, type CreateValues } from '../../src/oauth-apps/oauth-apps.create-batch';
import { findOAuthApp, listOAuthApps, ownApp } from '../../src/oauth-apps/oauth-apps.repository';
import { newOAuthAppRow } from '../../src/oauth-apps/oauth-apps.service';
import { createdApp, db, env, getApp, listApps, newCaller, request, seedBody, send } from '../support/fixtures';

const original = SQLiteDialect.prototype.sqlToQuery;
let built = 0;
function countBuilds(): void {
  built = 0;
  SQLiteDialect.prototype.sqlToQuery = function (this: SQLiteDialect, ...args: Parameters<typeof original>) {
    built++;
    return original.apply(this, args);
  };
}
afterEach(() => {
  SQLiteDialect.prototype.sqlToQuery = original;
});

describe('prebuilt reads', () => {
  it('a GET of an app and list pages, first and after a cursor, build no SQL once each has run', async () => {
    const caller = await newCaller();
    const apps = [await createdApp(caller.token), await createdApp(caller.token), await createdApp(caller.token)];
    // Each shape once: the token lookup, the app by id, the first page, a page after a cursor.
    expect((await getApp(caller.token, apps[0]!.id)).status).toBe(200);
    expect((await listApps(caller.token, { limit: '1' })).status).toBe(200);
    expect((await listApps(caller.token, { limit: '1', starting_after: apps[2]!.id })).status).toBe(200);
    countBuilds();
    const got = await getApp(caller.token, apps[1]!.id);
    const first = await listApps(caller.token, { limit: '2' });
    const after = await listApps(caller.token, { limit: '2', starting_after: apps[2]!.id });
    expect([got.status, first.status, after.status]).toEqual([200, 200, 200]);
    expect(built).toBe(0);
    // The answers are the apps, newest first, as built afresh.
    expect(((await got.json()) as { id: string }).id).toBe(apps[1]!.id);
    expect(((await first.json()) as { data: { id: string }[] }).data.map((a) => a.id)).toEqual([apps[2]!.id, apps[1]!.id]);
    expect(((await after.json()) as { data: { id: string }[] }).data.map((a) => a.id)).toEqual([apps[1]!.id, apps[0]!.id]);
  });

  it('reads the same rows as the statement built afresh, and says the same statement', async () => {
    const caller = await newCaller();
    const app = await createdApp(caller.token);
    const row = await findOAuthApp(db(), caller.accountId, app.id);
    const [fresh] = await db().select().from(oauthApps).where(ownApp(caller.accountId, app.id));
    expect(row).toEqual(fresh);
    const page = listOAuthApps(db(), caller.accountId, {}, app.id, 10);
    expect(page.toSQL().params).toEqual([caller.accountId, caller.accountId, app.id, 10]);
    expect(await page).toEqual([]);
  });
});

describe('the prebuilt create', () => {
  const create = (token: string, key?: string, body = seedBody({ client_id: crypto.randomUUID() })) =>
    send(request('POST', '/v1/oauth-apps', { token, body, headers: key ? { 'Idempotency-Key': key } : {} }));

  it('builds no SQL for its batch once each shape has run, and writes the app, its event and its stored answer', async () => {
    const caller = await newCaller();
    expect((await create(caller.token)).status).toBe(200);
    expect((await create(caller.token, crypto.randomUUID())).status).toBe(200);
    countBuilds();
    const plain = await create(caller.token);
    expect(built).toBe(0);
    const key = crypto.randomUUID();
    const keyedBody = seedBody({ client_id: crypto.randomUUID() });
    const keyed = await create(caller.token, key, keyedBody);
    // The one statement still built: the key's reservation, which the middleware makes before the create's batch.
    expect(built).toBe(1);
    expect([plain.status, keyed.status]).toEqual([200, 200]);
    SQLiteDialect.prototype.sqlToQuery = original;
    const apps = [(await plain.json()) as { id: string }, (await keyed.json()) as { id: string }];
    for (const app of apps) {
      expect((await getApp(caller.token, app.id)).status).toBe(200);
      const events = (await (await send(request('GET', `/v1/events?app_id=${app.id}`, { token: caller.token }))).json()) as { data: { action: string }[] };
      expect(events.data.map((e) => e.action)).toEqual(['oauth_app.created']);
    }
    // The key's stored answer replays the same app.
    const replay = await create(caller.token, key, keyedBody);
    expect(((await replay.json()) as { id: string }).id).toBe(apps[1]!.id);
  });

  it('runs, for every shape, the statements a build from the values themselves makes, whatever values it was first built with', async () => {
    const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
    const now = new Date();
    // Two tenants: each shape is first built from the other's values, so a value of that first
    // build kept as a constant (another account's id in every later create) would show.
    const shapesOf = async (accountId: string, maxApps: number, tokenId: string) => {
      const row = await newOAuthAppRow(keyring, accountId, seedBody({ client_id: crypto.randomUUID() }) as never, now);
      const actor = { tokenId, requestId: `req_${tokenId}` };
      const event = (action: string) => eventValues({ accountId, appIds: [row.id], action: action as never }, actor, now);
      const keyed = { reservation: { accountId, key: `k-${tokenId}`, reservationId: crypto.randomUUID() }, answer: answerValues({ status: 200, headers: { a: tokenId }, body: `{"t":"${tokenId}"}` }) };
      const shapes: CreateValues[] = [
        { row, quota: { maxApps }, created: event('oauth_app.created') },
        { row, quota: { maxApps }, created: event('oauth_app.created'), ...keyed },
        { row, quota: { maxApps }, created: event('oauth_app.created'), verified: event('oauth_app.verified'), ...keyed },
      ];
      return shapes;
    };
    const first = await shapesOf((await newCaller()).accountId, 3, 'first');
    for (const values of first) createBatch(db(), values);
    const shapes = await shapesOf((await newCaller()).accountId, 7, 'second');
    for (const values of shapes) {
      const prebuilt = createBatch(db(), values);
      // The builder given the values in place of placeholders: what drizzle builds fresh.
      const fresh = buildCreateBatch(db(), values as never);
      const sqlOf = (b: typeof prebuilt) => b.statements.map((st) => (st as unknown as { toSQL(): { sql: string; params: unknown[] } }).toSQL());
      expect(sqlOf(prebuilt)).toEqual(sqlOf(fresh));
      expect(prebuilt.insertAt).toBe(fresh.insertAt);
    }
  });
});

