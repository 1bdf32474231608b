// What is derived from a row is written by the database, in the statement that
// writes the row (migrations/0009_derived_by_triggers.sql): an account's app
// count and an app's metadata index rows (oauth_apps), an event's app links
// (audit_events). On every target, whoever writes the row: the API, the
// import, or plain SQL.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/oauth-apps/oauth-apps.schemas';
import { createAccount, db, env, newCaller, request, seedBody } from '../support/fixtures';
import { appWithHeldBatches } from '../support/held-batches';

const TRIGGERS = ['audit_events_derived_insert', 'oauth_apps_derived_delete', 'oauth_apps_derived_insert', 'oauth_apps_derived_metadata'];

const at = '2026-01-01T00:00:00.000Z';
function insertApp(accountId: string, id: string, metadata: string) {
  return env.DB.prepare(
    `INSERT INTO oauth_apps (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id,
       metadata, health_status, health_notes, health_time, version, created_at, updated_at)
     VALUES (?, ?, 'stripe', 'app', ?, 'c', 'k1', ?, 'ok', '[]', ?, 1, ?, ?)`,
  )
    .bind(id, accountId, `client-${id}`, metadata, at, at, at)
    .run();
}

async function derived(accountId: string) {
  const count = await env.DB.prepare('SELECT app_count AS n FROM accounts WHERE id = ?').bind(accountId).first<{ n: number }>();
  const { results } = await env.DB.prepare('SELECT app_id, key, kind, value, created_at FROM oauth_app_metadata WHERE account_id = ? ORDER BY app_id, key')
    .bind(accountId)
    .all<{ app_id: string; key: string; kind: string; value: unknown; created_at: string }>();
  return { count: count!.n, index: results.map((r) => `${r.app_id} ${r.key} ${r.kind} ${String(r.value)}`) };
}

describe('triggers keep what is derived', () => {
  it('exist after every migration, all four', async () => {
    const { results } = await env.DB.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(TRIGGERS);
  });

  it('an insert counts the app and indexes its metadata by kind; a metadata update re-indexes it; a delete undoes both', async () => {
    const accountId = await createAccount();
    const id = `app-${crypto.randomUUID()}`;
    await insertApp(accountId, id, '{"b":true,"n":1.5,"nested":{"a":[1,"x"]},"none":null,"team":"billing","z":2}');
    expect(await derived(accountId)).toEqual({
      count: 1,
      index: [`${id} b true 1`, `${id} n number 1.5`, `${id} nested object {"a":[1,"x"]}`, `${id} none null null`, `${id} team text billing`, `${id} z number 2`],
    });

    // Other columns leave the index alone; new metadata replaces it.
    await env.DB.prepare("UPDATE oauth_apps SET name = 'renamed' WHERE id = ?").bind(id).run();
    expect((await derived(accountId)).index).toHaveLength(6);
    await env.DB.prepare(`UPDATE oauth_apps SET metadata = '{"team":"growth"}' WHERE id = ?`).bind(id).run();
    expect(await derived(accountId)).toEqual({ count: 1, index: [`${id} team text growth`] });

    await env.DB.prepare('DELETE FROM oauth_apps WHERE id = ?').bind(id).run();
    expect(await derived(accountId)).toEqual({ count: 0, index: [] });
  });

  it('indexes only what a filter can name: keys up to filterKeyLength, text and JSON values up to filterValueLength', async () => {
    const accountId = await createAccount();
    const id = `app-${crypto.randomUUID()}`;
    const longest = 'k'.repeat(LIMITS.filterKeyLength);
    const metadata = {
      [longest]: 1,
      [`${longest}k`]: 1,
      fits: 'v'.repeat(LIMITS.filterValueLength),
      over: 'v'.repeat(LIMITS.filterValueLength + 1),
      list: Array.from({ length: LIMITS.filterValueLength }, () => 1), // [1,1,…]: longer than the limit as JSON
    };
    await insertApp(accountId, id, JSON.stringify(metadata));
    const keys = (await derived(accountId)).index.map((entry) => entry.split(' ')[1]);
    expect(keys).toEqual(['fits', longest].sort());
  });

  it('an insert that does not happen (a guard, a conflict) counts and indexes nothing', async () => {
    const accountId = await createAccount();
    const id = `app-${crypto.randomUUID()}`;
    await insertApp(accountId, id, '{"team":"a"}');
    // The same (account, provider, client_id), skipped as the create's insert skips it.
    await env.DB.prepare(
      `INSERT INTO oauth_apps (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id,
         metadata, health_status, health_notes, health_time, version, created_at, updated_at)
       SELECT ?, ?, 'stripe', 'app', ?, 'c', 'k1', '{"team":"b"}', 'ok', '[]', ?, 1, ?, ? WHERE 1
       ON CONFLICT (account_id, provider, client_id) DO NOTHING`,
    )
      .bind(`app-${crypto.randomUUID()}`, accountId, `client-${id}`, at, at, at)
      .run();
    expect(await derived(accountId)).toEqual({ count: 1, index: [`${id} team text a`] });
  });

  it("an event's insert links each app it names, by its seq; an event that names none links nothing", async () => {
    const accountId = await createAccount();
    const insertEvent = (id: string, appIds: string[]) =>
      env.DB.prepare(
        `INSERT INTO audit_events (id, account_id, app_id, app_ids, action, details, token_id, request_id, created_at)
         VALUES (?, ?, NULL, ?, 'oauth_app.updated', '{}', NULL, 'req', ?)`,
      )
        .bind(id, accountId, JSON.stringify(appIds), at)
        .run();
    await insertEvent('evt_two', ['app-a', 'app-b']);
    await insertEvent('evt_none', []);
    const { results } = await env.DB.prepare(
      `SELECT l.app_id, e.id FROM audit_event_apps AS l JOIN audit_events AS e ON e.seq = l.event_seq
       WHERE l.account_id = ? ORDER BY l.app_id`,
    )
      .bind(accountId)
      .all<{ app_id: string; id: string }>();
    expect(results).toEqual([
      { app_id: 'app-a', id: 'evt_two' },
      { app_id: 'app-b', id: 'evt_two' },
    ]);
  });

  it('a batch that also writes a link itself, as the code before 0009 did, is refused whole: nothing of it is written', async () => {
    const accountId = await createAccount();
    const event = db().run(sql`INSERT INTO audit_events (id, account_id, app_id, app_ids, action, details, token_id, request_id, created_at)
      VALUES ('evt_old', ${accountId}, 'app-old', '["app-old"]', 'oauth_app.created', '{}', NULL, 'req', ${at})`);
    const link = db().run(sql`INSERT INTO audit_event_apps (account_id, app_id, event_seq) SELECT account_id, 'app-old', seq FROM audit_events WHERE id = 'evt_old'`);
    await expect(db().batch([event, link])).rejects.toThrow();
    const written = await env.DB.prepare(
      'SELECT (SELECT count(*) FROM audit_events WHERE account_id = ?1) AS events, (SELECT count(*) FROM audit_event_apps WHERE account_id = ?1) AS links',
    )
      .bind(accountId)
      .first<{ events: number; links: number }>();
    expect(written).toEqual({ events: 0, links: 0 });
  });

  it("a create's batch is its event and its row, two statements; the count, index and link are theirs", async () => {
    // The real app on the target's storage, its batches' sizes noted.
    const sizes: number[] = [];
    const send = appWithHeldBatches(async (_, statements) => {
      sizes.push(statements.length);
    });
    const caller = await newCaller();
    const res = await send(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody({ metadata: { team: 'billing' } }) }));
    expect(res.status).toBe(200);
    expect(sizes).toEqual([2]);
    const { id } = (await res.json()) as { id: string };
    expect(await derived(caller.accountId)).toEqual({ count: 1, index: [`${id} team text billing`] });
    const links = await env.DB.prepare('SELECT count(*) AS n FROM audit_event_apps WHERE account_id = ? AND app_id = ?').bind(caller.accountId, id).first<{ n: number }>();
    expect(links!.n).toBe(1);
  });
});
