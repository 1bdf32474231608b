// The hot path's reads are built once per isolate (src/db/prebuilt.ts): after
// the first, a GET of an app, a list page and the token lookup ask drizzle
// to build no SQL text, on every target, and read what a fresh build would.
import { SQLiteDialect } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { oauthApps } from '../../src/db/schema';
import { findOAuthApp, listOAuthApps, ownApp } from '../../src/oauth-apps/oauth-apps.repository';
import { createdApp, db, getApp, listApps, newCaller } from '../support/fixtures';

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
