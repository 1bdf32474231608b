// The list's metadata filter: its index follows every write, its limits
// answer 422, and its cost does not grow with the account's rows or their
// metadata (query plans on every target; rows read as D1 counts them).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/crypto/keyring';
import type { OAuthAppRow } from '../../src/db/schema';
import { orderMetadataFilter, rarityQuery } from '../../src/oauth-apps/oauth-apps.metadata-index';
import { importOAuthApps, listOAuthApps, listOAuthAppsPage, windowEnd } from '../../src/oauth-apps/oauth-apps.repository';
import { LIMITS } from '../../src/oauth-apps/oauth-apps.schemas';
import { newOAuthAppRow } from '../../src/oauth-apps/oauth-apps.service';
import {
  createdApp,
  createApp,
  db,
  deleteApp,
  env,
  listApps,
  newCaller,
  newSecret,
  patchApp,
  request,
  seedBody,
  send,
  targetInfo,
  type AppObject,
  type TestToken,
} from '../support/fixtures';

const ids = async (token: string, metadata: unknown, extra: Record<string, string> = {}) => {
  const res = await listApps(token, { metadata: typeof metadata === 'string' ? metadata : JSON.stringify(metadata), ...extra });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { data: AppObject[] }).data.map((a) => a.id);
};

const indexRows = async (appId: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM oauth_app_metadata WHERE app_id = ?').bind(appId).first<{ n: number }>())!.n;

/** Metadata of about `bytes` bytes in `keys` top-level keys, the first few small and shared. */
function bigMetadata(i: number, keys: number, bytes: number): Record<string, unknown> {
  const metadata: Record<string, unknown> = { team: 'billing', tier: i % 2 === 0 ? 'gold' : 'basic', n: 7, on: true, tags: ['a', 'b'], odd: i % 2 === 1, seventh: i % 7 === 0 };
  const filler = 'x'.repeat(Math.max(1, Math.floor(bytes / keys)));
  for (let k = Object.keys(metadata).length; k < keys; k++) metadata[`k${k}`] = `${filler}${k}`;
  return metadata;
}

async function seed(accountId: string, n: number, metadata: (i: number) => Record<string, unknown>): Promise<OAuthAppRow[]> {
  const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
  const base = Date.UTC(2026, 0, 1);
  const rows: OAuthAppRow[] = [];
  for (let i = 0; i < n; i++) {
    const input = { provider: 'stripe', client_id: `c-${i}-${crypto.randomUUID()}`, client_secret: newSecret(), name: `app ${i}`, metadata: metadata(i) };
    rows.push(await newOAuthAppRow(keyring, accountId, input as never, new Date(base + Math.floor(i / 2) * 1000)));
  }
  await importOAuthApps(db(), rows);
  return rows;
}

describe('the metadata index follows every write', () => {
  let c: TestToken;
  beforeAll(async () => {
    c = await newCaller();
  });

  it('create, patch, clear and delete: the filter finds exactly the current metadata', async () => {
    const app = await createdApp(c.token, { metadata: { team: 'billing', n: 1 } });
    expect(await ids(c.token, { team: 'billing' })).toEqual([app.id]);
    expect(await indexRows(app.id)).toBe(2);

    expect((await patchApp(c.token, app.id, { metadata: { team: 'growth' } })).status).toBe(200);
    expect(await ids(c.token, { team: 'billing' })).toEqual([]);
    expect(await ids(c.token, { n: 1 })).toEqual([]);
    expect(await ids(c.token, { team: 'growth' })).toEqual([app.id]);
    expect(await indexRows(app.id)).toBe(1);

    // A PATCH of the name leaves the index as it was.
    expect((await patchApp(c.token, app.id, { name: 'renamed' })).status).toBe(200);
    expect(await ids(c.token, { team: 'growth' })).toEqual([app.id]);

    expect((await patchApp(c.token, app.id, { metadata: null })).status).toBe(200);
    expect(await ids(c.token, { team: 'growth' })).toEqual([]);
    expect(await indexRows(app.id)).toBe(0);

    expect((await patchApp(c.token, app.id, { metadata: { team: 'ops' } })).status).toBe(200);
    expect((await deleteApp(c.token, app.id)).status).toBe(200);
    expect(await ids(c.token, { team: 'ops' })).toEqual([]);
    expect(await indexRows(app.id)).toBe(0);
  });

  it('a refused write (duplicate create, stale If-Match) leaves no index rows behind', async () => {
    const body = seedBody({ metadata: { dup: 'yes' } });
    expect((await createApp(c.token, body)).status).toBe(200);
    const again = await createApp(c.token, { ...body, client_secret: newSecret(), metadata: { dup: 'no' } });
    expect(again.status).toBe(409);
    expect(await ids(c.token, { dup: 'no' })).toEqual([]);
    const orphans = await env.DB.prepare('SELECT count(*) AS n FROM oauth_app_metadata m WHERE NOT EXISTS (SELECT 1 FROM oauth_apps a WHERE a.id = m.app_id)').first<{ n: number }>();
    expect(orphans!.n).toBe(0);

    const app = await createdApp(c.token, { metadata: { stale: 'before' } });
    const stale = await patchApp(c.token, app.id, { metadata: { stale: 'after' } }, { 'If-Match': '"v999"' });
    expect(stale.status).toBe(412);
    expect(await ids(c.token, { stale: 'after' })).toEqual([]);
    expect(await ids(c.token, { stale: 'before' })).toEqual([app.id]);
  });

  it('keys and values longer than a filter can name are not indexed, and still never match', async () => {
    const long = 'v'.repeat(LIMITS.filterValueLength + 10);
    const app = await createdApp(c.token, { metadata: { long, ['k'.repeat(LIMITS.filterKeyLength + 1)]: 1, short: 's' } });
    expect(await indexRows(app.id)).toBe(1);
    const res = await listApps(c.token, { metadata: JSON.stringify({ long }) });
    expect(res.status).toBe(422);
    expect(await ids(c.token, { short: 's' })).toEqual([app.id]);
  });

  it('the filter keeps its meaning: type-aware, canonical objects, 1 equals 1.0, combined with provider', async () => {
    const d = await newCaller();
    const a = await createdApp(d.token, { provider: 'github', metadata: { n: 1, t: true, o: { b: [1, 'x'], a: null }, s: '1' } });
    const b = await createdApp(d.token, { provider: 'stripe', metadata: { n: 1.5, t: false, o: { a: null, b: [1, 'x'] }, s: 1 } });
    expect(await ids(d.token, '{"n":1.0}')).toEqual([a.id]);
    expect(await ids(d.token, { n: 1.5 })).toEqual([b.id]);
    expect(await ids(d.token, { t: true })).toEqual([a.id]);
    expect(await ids(d.token, { t: false })).toEqual([b.id]);
    expect(await ids(d.token, { s: '1' })).toEqual([a.id]);
    expect(await ids(d.token, { s: 1 })).toEqual([b.id]);
    expect(await ids(d.token, { o: { b: [1, 'x'], a: null } })).toEqual([b.id, a.id]);
    expect(await ids(d.token, { o: { a: null, b: [1, 'x'] } }, { provider: 'github' })).toEqual([a.id]);
    expect(await ids(d.token, { o: { a: null, b: ['x', 1] } })).toEqual([]);
    expect(await ids(d.token, { n: 1, t: true, s: '1' })).toEqual([a.id]);
    expect(await ids(d.token, { n: 1, t: false })).toEqual([]);
  });
});

describe('metadata filter limits: 422 naming metadata, nothing read', () => {
  let c: TestToken;
  beforeAll(async () => {
    c = await newCaller();
  });
  const tooMany = Object.fromEntries(Array.from({ length: LIMITS.filterKeys + 1 }, (_, i) => [`k${i}`, i]));
  const cases: [string, string][] = [
    [`${LIMITS.filterKeys + 1} keys`, JSON.stringify(tooMany)],
    ['a key of 256 characters', JSON.stringify({ ['k'.repeat(LIMITS.filterKeyLength + 1)]: 1 })],
    ['a value of 513 characters as JSON', JSON.stringify({ a: 'v'.repeat(LIMITS.filterValueLength - 1) })],
    ['a number that overflows to Infinity', '{"a":1e999}'],
    ['a negative one', '{"a":-1e999}'],
    ['an integer past 2^53', '{"a":9007199254740993}'],
    ['a large double (every double past 2^53 is an integer)', '{"a":1e300}'],
    ['a lone high surrogate in a value', '{"a":"x\\ud800"}'],
    ['a lone low surrogate in a key', '{"\\udc00":1}'],
    ['a lone surrogate nested', '{"a":{"b":["\\ud83d"]}}'],
    ['an overflow nested', '{"a":[1,{"b":1e400}]}'],
  ];
  for (const [label, metadata] of cases) {
    it(label, async () => {
      const res = await listApps(c.token, { metadata });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { validation_errors: Record<string, string[]> };
      expect(Object.keys(body.validation_errors)).toEqual(['metadata']);
    });
  }

  it(`at the limits (${LIMITS.filterKeys} keys, a ${LIMITS.filterValueLength}-character value, ±(2^53-1), a surrogate pair): 200`, async () => {
    const filter: Record<string, unknown> = Object.fromEntries(Array.from({ length: LIMITS.filterKeys }, (_, i) => [`k${i}`, i]));
    filter.k0 = 'v'.repeat(LIMITS.filterValueLength - 2);
    filter.k1 = Number.MAX_SAFE_INTEGER;
    filter.k2 = -Number.MAX_SAFE_INTEGER;
    filter.k3 = '😀';
    const app = await createdApp(c.token, { metadata: filter });
    expect(await ids(c.token, filter)).toEqual([app.id]);
  });
});

describe('the cost of a filtered page', () => {
  let c: TestToken;
  let rows: OAuthAppRow[];
  const maxFilter = { team: 'billing', tier: 'gold', n: 7, on: true, tags: ['a', 'b'], k10: bigMetadata(0, 40, 4000).k10 };

  beforeAll(async () => {
    c = await newCaller();
    // 40 keys and ~4 KB of metadata each.
    rows = await seed(c.accountId, 300, (i) => bigMetadata(i, 40, 4000));
  }, 120_000);

  async function plan(filter: Record<string, unknown>, after?: string, provider?: string) {
    const { sql, params } = listOAuthApps(db(), c.accountId, { metadata: filter, provider }, after, 101).toSQL();
    const res = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
    return res.results.map((r) => r.detail).join(' | ');
  }

  for (const [label, filter] of [
    ['one key', { tier: 'gold' }],
    [`${Object.keys(maxFilter).length} keys`, maxFilter],
    ['an object value', { tags: ['a', 'b'] }],
    ['null and booleans', { on: true, gone: null }],
  ] as const) {
    it(`${label}: first and deep pages walk the metadata index in list order; other keys by primary key; no scan, no sort`, async () => {
      for (const after of [undefined, rows[150]!.id]) {
        for (const provider of [undefined, 'stripe']) {
          const detail = await plan(filter, after, provider);
          expect(detail).toMatch(/SEARCH mf USING (COVERING )?INDEX oauth_app_metadata_account_entry_created_idx/);
          expect(detail).toContain('SEARCH oauth_apps USING INDEX sqlite_autoindex_oauth_apps_1 (id=?)');
          if (Object.keys(filter).length > 1) expect(detail).toMatch(/SEARCH mp USING (INDEX|PRIMARY KEY) sqlite_autoindex_oauth_app_metadata_1 \(app_id=\? AND key=\?\)/);
          expect(detail).not.toMatch(/SCAN|TEMP B-TREE|json_each/i);
        }
      }
    });
  }

  it('the rarest entry drives the page, the others are probed rarest first; an entry no app has ends it before any page query', async () => {
    // 150 gold apps, 300 with each other entry: below the count's cap of 500, so one statement.
    expect(await orderMetadataFilter(db(), c.accountId, { team: 'billing', n: 7, tier: 'gold' })).toEqual({
      entries: [
        ['tier', 'gold'],
        ['team', 'billing'],
        ['n', 7],
      ],
      commonDriver: false,
    });
    expect(await orderMetadataFilter(db(), c.accountId, { team: 'billing', tier: 'platinum' })).toBeUndefined();
    expect(await orderMetadataFilter(db(), c.accountId, { gone: null })).toEqual({ entries: [['gone', null]], commonDriver: true });
    // Each common, none together: an empty page.
    expect(await ids(c.token, { tier: 'gold', odd: true })).toEqual([]);
    expect(await ids(c.token, { odd: true, team: 'billing', tier: 'basic' })).toHaveLength(100);
  });

  it('window by window: a common driver whose candidates rarely match, read 50 candidates a statement, gives exactly the matching apps in order', async () => {
    // Newest first, ties on created_at broken by id, as the list orders.
    const order = [...rows].sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? 1 : -1) : x.createdAt < y.createdAt ? 1 : -1));
    const expected = order.filter((r) => (JSON.parse(r.metadata) as { seventh: boolean }).seventh).map((r) => r.id);
    const filter = { metadata: [['team', 'billing'], ['seventh', true]] as [string, unknown][] };
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await listOAuthAppsPage(db(), c.accountId, filter, after, 11, 50);
      seen.push(...page.slice(0, 10).map((r) => r.id));
      if (page.length <= 10) break;
      after = page[9]!.id;
    }
    expect(seen).toEqual(expected);
    // No match at all: every window walked, an empty page.
    expect(await listOAuthAppsPage(db(), c.accountId, { metadata: [['team', 'billing'], ['tier', 'gold'], ['odd', true]] }, undefined, 101, 50)).toEqual([]);
  });

  it("a window's statements: the index in list order, no scan, no sort", async () => {
    const filter = { metadata: [['team', 'billing'], ['seventh', true]] as [string, unknown][] };
    for (const after of [undefined, rows[150]!.id, { createdAt: rows[150]!.createdAt, id: rows[150]!.id }]) {
      for (const query of [listOAuthApps(db(), c.accountId, filter, after, 101, 50), windowEnd(db(), c.accountId, filter, after, 50)!]) {
        const { sql: text, params } = query.toSQL();
        const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
        const detail = plan.results.map((r) => r.detail).join(' | ');
        expect(detail).toMatch(/SEARCH (mf|mw) USING COVERING INDEX oauth_app_metadata_account_entry_created_idx/);
        expect(detail).not.toMatch(/SCAN|TEMP B-TREE/);
      }
    }
  });

  it('the rarity count reads the index and the account by primary key: no scan', async () => {
    const { sql: text, params } = rarityQuery(db(), c.accountId, Object.entries(maxFilter)).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
    const detail = plan.results.map((r) => r.detail).join(' | ');
    expect(detail).toMatch(/SEARCH accounts USING (COVERING )?INDEX sqlite_autoindex_accounts_1 \(id=\?\)/);
    expect(detail).toMatch(/SEARCH mc USING COVERING INDEX oauth_app_metadata_account_entry_created_idx/);
    expect(detail).not.toMatch(/SCAN (?!\(subquery|mc$)|TEMP B-TREE/);
  });

  it('answers match the rows: every gold app, newest first, paged', async () => {
    const gold = rows.filter((_, i) => i % 2 === 0).map((r) => r.id).reverse();
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const res = await listApps(c.token, { metadata: JSON.stringify(maxFilter), limit: '40', ...(after ? { starting_after: after } : {}) });
      const page = (await res.json()) as { data: AppObject[]; has_more: boolean };
      seen.push(...page.data.map((a) => a.id));
      if (!page.has_more) break;
      after = page.data.at(-1)!.id;
    }
    expect(seen).toEqual(gold);
  });

  // D1 counts the rows each statement reads: a page reads what it returns,
  // plus what it probes, whatever the account holds.
  it.runIf(targetInfo.name === 'worker')('rows read by a page: bounded by the page, not by the account (D1 meta.rows_read)', async () => {
    const rowsRead = async (accountId: string, filter: Record<string, unknown>) => {
      const { sql, params } = listOAuthApps(db(), accountId, { metadata: filter }, undefined, 101).toSQL();
      const res = (await env.DB.prepare(sql).bind(...params).all()) as unknown as { results: unknown[]; meta: { rows_read: number } };
      return { returned: res.results.length, read: res.meta.rows_read };
    };
    // The rarity count reads at most 1,000 index entries per key, whatever the account holds.
    const counted = (await env.DB.prepare(rarityQuery(db(), c.accountId, Object.entries(maxFilter)).toSQL().sql)
      .bind(...rarityQuery(db(), c.accountId, Object.entries(maxFilter)).toSQL().params)
      .all()) as unknown as { meta: { rows_read: number } };
    console.log(`rows read by the rarity count of ${Object.keys(maxFilter).length} keys at 300 apps: ${counted.meta.rows_read}`);
    expect(counted.meta.rows_read).toBeLessThanOrEqual(Object.keys(maxFilter).length * 300 + 2);
    // A window's page statement reads its candidates, their probes and the window's end
    // (each of its two columns once: 2 × 50), whatever the account holds.
    const windowed = listOAuthApps(db(), c.accountId, { metadata: [['team', 'billing'], ['tier', 'platinum']] }, undefined, 101, 50).toSQL();
    const inWindow = (await env.DB.prepare(windowed.sql).bind(...windowed.params).all()) as unknown as { meta: { rows_read: number } };
    console.log(`rows read by one window of 50 candidates, 2 keys, 300 apps: ${inWindow.meta.rows_read}`);
    expect(inWindow.meta.rows_read).toBeLessThanOrEqual(50 * 4 + 5);
    const small = await newCaller();
    await seed(small.accountId, 120, (i) => bigMetadata(i, 40, 4000));
    const one = await rowsRead(c.accountId, { team: 'billing' });
    const many = await rowsRead(c.accountId, maxFilter);
    const smallOne = await rowsRead(small.accountId, { team: 'billing' });
    console.log(`rows read: 1 key, 300 apps → ${JSON.stringify(one)}; 1 key, 120 apps → ${JSON.stringify(smallOne)}; ${Object.keys(maxFilter).length} keys, 300 apps → ${JSON.stringify(many)}`);
    expect(one.returned).toBe(101);
    // One index entry and one app row per returned row (and the statement's own overhead).
    expect(one.read).toBeLessThanOrEqual(2 * 101 + 5);
    expect(smallOne.read).toBe(one.read);
    // Every candidate probes each other key once: at most (keys) reads per candidate walked.
    expect(many.returned).toBe(101);
    expect(many.read).toBeLessThanOrEqual((Object.keys(maxFilter).length + 1) * 2 * 101 + 5);
  });
});

describe('a filter is answered by the index alone', () => {
  it('an app whose index rows are missing is not found by the filter (the metadata column is not read)', async () => {
    const c = await newCaller();
    const app = await createdApp(c.token, { metadata: { team: 'billing' } });
    await env.DB.prepare('DELETE FROM oauth_app_metadata WHERE app_id = ?').bind(app.id).run();
    expect(await ids(c.token, { team: 'billing' })).toEqual([]);
    const res = await send(request('GET', `/v1/oauth-apps/${app.id}`, { token: c.token }));
    expect(((await res.json()) as AppObject).metadata).toEqual({ team: 'billing' });
  });
});
