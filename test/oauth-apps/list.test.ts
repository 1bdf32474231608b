// GET /v1/oauth-apps: keyset pages, filters, secrets on request, isolation.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/crypto/keyring';
import type { OAuthAppRow } from '../../src/db/schema';
import { importOAuthApps, listOAuthApps } from '../../src/oauth-apps/oauth-apps.repository';
import { newOAuthAppRow } from '../../src/oauth-apps/oauth-apps.service';
import { healthRules } from '../../src/oauth-apps/health';
import {
  createdApp,
  db,
  listApps,
  newCaller,
  newSecret,
  request,
  send,
  type AppObject,
  type TestToken,
  env,
  targetInfo,
} from '../support/fixtures';

interface Page {
  data: AppObject[];
  has_more: boolean;
}

async function page(token: string, query: Record<string, string> = {}): Promise<Page> {
  const res = await listApps(token, query);
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Page;
}

/** Every app of the query, walking the pages with starting_after. */
async function all(token: string, query: Record<string, string> = {}): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let after: string | undefined;
  for (;;) {
    const p = await page(token, { ...query, ...(after ? { starting_after: after } : {}) });
    pages.push(p);
    if (!p.has_more) break;
    after = p.data.at(-1)!.id;
  }
  return { ids: pages.flatMap((p) => p.data.map((a) => a.id)), pages };
}

/** Inserts many rows straight into storage, spread over time, with real ciphertexts. */
async function seedRows(accountId: string, n: number, shape: (i: number) => Record<string, unknown>): Promise<OAuthAppRow[]> {
  const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
  const base = Date.UTC(2026, 0, 1);
  const rows: OAuthAppRow[] = [];
  for (let i = 0; i < n; i++) {
    // Every fifth pair shares a created_at, so the id tie-break is exercised.
    const at = new Date(base + Math.floor(i / 2) * 1000);
    rows.push(
      await newOAuthAppRow(
        keyring,
        accountId,
        { provider: 'stripe', client_id: `c-${crypto.randomUUID()}`, client_secret: newSecret(), name: `app ${i}`, ...shape(i) } as never,
        at,
      ),
    );
  }
  await importOAuthApps(db(), rows);
  return rows;
}

const newestFirst = (rows: OAuthAppRow[]) =>
  [...rows].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).map((r) => r.id);

let a: TestToken;
let b: TestToken;
let rowsA: OAuthAppRow[];
const providers = ['stripe', 'github', 'hubspot'] as const;

beforeAll(async () => {
  a = await newCaller();
  b = await newCaller();
  rowsA = await seedRows(a.accountId, 250, (i) => ({
    provider: providers[i % 3],
    metadata: { index: i, even: i % 2 === 0, tier: i % 5 === 0 ? 'gold' : 'basic', nested: { x: i % 4, y: [1, 'a'] } },
  }));
  await seedRows(b.accountId, 30, () => ({ provider: 'stripe', metadata: { tier: 'gold' } }));
});

describe('GET /v1/oauth-apps: pages', () => {
  it('250 apps, limit 100: each exactly once, newest first, has_more false on the last page', async () => {
    const { ids, pages } = await all(a.token, { limit: '100' });
    expect(pages.map((p) => p.data.length)).toEqual([100, 100, 50]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual(newestFirst(rowsA));
  });

  it('defaults to 100 per page and answers {data, has_more}', async () => {
    const first = await page(a.token);
    expect(Object.keys(first).sort()).toEqual(['data', 'has_more']);
    expect(first.data).toHaveLength(100);
    expect(first.data[0]!.client_secret).toBe('**********');
  });

  it('an exact multiple of the limit ends with has_more false, not an empty page', async () => {
    const c = await newCaller();
    for (let i = 0; i < 4; i++) await createdApp(c.token);
    const { pages } = await all(c.token, { limit: '2' });
    expect(pages.map((p) => [p.data.length, p.has_more])).toEqual([
      [2, true],
      [2, false],
    ]);
  });

  it('an account with no apps gets an empty page', async () => {
    const c = await newCaller();
    expect(await page(c.token)).toEqual({ data: [], has_more: false });
  });

  it("B never sees A's apps, with any filter or cursor", async () => {
    const { ids } = await all(b.token, { limit: '7' });
    expect(ids).toHaveLength(30);
    const idsA = new Set(rowsA.map((r) => r.id));
    expect(ids.some((id) => idsA.has(id))).toBe(false);
    const queries: Record<string, string>[] = [{ provider: 'github' }, { metadata: '{"tier":"gold"}' }, { 'health.status': 'ok' }];
    for (const query of queries) {
      const res = await all(b.token, query);
      expect(res.ids.some((id) => idsA.has(id))).toBe(false);
    }
    // A's app as B's cursor: 422, as any unknown id.
    const res = await listApps(b.token, { starting_after: rowsA[0]!.id });
    expect(res.status).toBe(422);
  });
});

describe('GET /v1/oauth-apps: filters', () => {
  it('provider, combined with paging', async () => {
    const { ids } = await all(a.token, { provider: 'github', limit: '30' });
    expect(ids).toEqual(newestFirst(rowsA.filter((r) => r.provider === 'github')));
  });

  it('health.status', async () => {
    expect((await all(a.token, { 'health.status': 'ok' })).ids).toHaveLength(250);
    expect((await all(a.token, { 'health.status': 'error' })).ids).toHaveLength(0);
  });

  it('metadata: every given key with an equal JSON value, combined with provider and paging', async () => {
    const expected = rowsA.filter((r) => {
      const m = JSON.parse(r.metadata) as { tier: string; even: boolean };
      return m.tier === 'gold' && m.even && r.provider === 'stripe';
    });
    const { ids } = await all(a.token, { metadata: '{"tier":"gold","even":true}', provider: 'stripe', limit: '3' });
    expect(ids).toEqual(newestFirst(expected));
    expect(ids.length).toBeGreaterThan(3);
  });

  it('metadata comparison is type-aware: true, 1 and "1" differ', async () => {
    const c = await newCaller();
    const t = await createdApp(c.token, { metadata: { flag: true } });
    const one = await createdApp(c.token, { metadata: { flag: 1 } });
    const s = await createdApp(c.token, { metadata: { flag: '1' } });
    const n = await createdApp(c.token, { metadata: { flag: null } });
    const idsFor = async (filter: string) => (await all(c.token, { metadata: filter })).ids;
    expect(await idsFor('{"flag":true}')).toEqual([t.id]);
    expect(await idsFor('{"flag":1}')).toEqual([one.id]);
    expect(await idsFor('{"flag":1.0}')).toEqual([one.id]);
    expect(await idsFor('{"flag":"1"}')).toEqual([s.id]);
    expect(await idsFor('{"flag":null}')).toEqual([n.id]);
    expect(await idsFor('{"flag":false}')).toEqual([]);
    expect(await idsFor('{"other":null}')).toEqual([]);
  });

  it('objects and arrays compare by value, objects regardless of key order', async () => {
    const c = await newCaller();
    const app = await createdApp(c.token, { metadata: { owner: { team: 'billing', region: 'eu', tags: ['a', 'b'] }, 'we"ird\\key': 'é ✓' } });
    const idsFor = async (filter: string) => (await all(c.token, { metadata: filter })).ids;
    expect(await idsFor('{"owner":{"region":"eu","tags":["a","b"],"team":"billing"}}')).toEqual([app.id]);
    expect(await idsFor('{"owner":{"team":"billing","region":"eu","tags":["a","b"]}}')).toEqual([app.id]);
    expect(await idsFor('{"owner":{"team":"billing","tags":["b","a"],"region":"eu"}}')).toEqual([]);
    expect(await idsFor('{"owner":{"team":"billing"}}')).toEqual([]);
    expect(await idsFor('{"we\\"ird\\\\key":"é ✓"}')).toEqual([app.id]);
    expect(await idsFor('{}')).toEqual([app.id]);
  });
});

describe('GET /v1/oauth-apps: secrets on request', () => {
  it('truncate_secrets=false with oauth_apps:secrets shows each secret; a tampered row shows null and error, the rest are fine', async () => {
    const c = await newCaller();
    const secrets = [newSecret(), newSecret(), newSecret()];
    const apps = [];
    for (const client_secret of secrets) apps.push(await createdApp(c.token, { client_secret }));
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_ciphertext = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = ?")
      .bind(apps[1]!.id)
      .run();
    const p = await page(c.token, { truncate_secrets: 'false' });
    const byId = new Map(p.data.map((x) => [x.id, x]));
    expect(byId.get(apps[0]!.id)!.client_secret).toBe(secrets[0]);
    expect(byId.get(apps[2]!.id)!.client_secret).toBe(secrets[2]);
    const broken = byId.get(apps[1]!.id)!;
    expect(broken.client_secret).toBeNull();
    expect(broken.health.status).toBe('error');
    expect(broken.health.notes).toHaveLength(1);
    expect(byId.get(apps[0]!.id)!.health.status).toBe('ok');
  });

  it('without oauth_apps:secrets: 403, nothing decrypted', async () => {
    const reader = await newCaller(['oauth_apps:read']);
    const res = await listApps(reader.token, { truncate_secrets: 'false' });
    expect(res.status).toBe(403);
  });
});

describe('GET /v1/oauth-apps: bad queries are 422 and name the parameter', () => {
  const cases: [Record<string, string> | string, string][] = [
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '1.5' }, 'limit'],
    [{ starting_after: crypto.randomUUID() }, 'starting_after'],
    [{ starting_after: 'nope' }, 'starting_after'],
    [{ provider: 'myspace' }, 'provider'],
    [{ 'health.status': 'bad' }, 'health.status'],
    [{ metadata: '{"a":' }, 'metadata'],
    [{ metadata: '[1]' }, 'metadata'],
    [{ metadata: '"x"' }, 'metadata'],
    [{ truncate_secrets: 'maybe' }, 'truncate_secrets'],
    [{ sort: 'asc' }, 'sort'],
    ['provider=stripe&provider=github', 'provider'],
  ];
  for (const [query, field] of cases) {
    it(`${typeof query === 'string' ? query : JSON.stringify(query)}`, async () => {
      const res =
        typeof query === 'string'
          ? await send(request('GET', `/v1/oauth-apps?${query}`, { token: a.token }))
          : await listApps(a.token, query);
      expect(res.status).toBe(422);
      const body = (await res.json()) as { validation_errors: Record<string, string[]> };
      expect(Object.keys(body.validation_errors)).toEqual([field]);
    });
  }

  it('needs oauth_apps:read, which oauth_apps:write implies', async () => {
    expect((await listApps((await newCaller(['oauth_apps:secrets'])).token)).status).toBe(403);
    expect((await listApps((await newCaller(['oauth_apps:write'])).token)).status).toBe(200);
  });
});

describe('GET /v1/oauth-apps?health.status=error: read by cause, bounded by the page', () => {
  const keyring = { primaryId: 'k2', keys: new Map([['k1', null], ['k2', null]]) };
  const rules = healthRules(keyring);

  it('each cause from its index, in list order; no walk of the account\'s rows', async () => {
    for (const after of [undefined, rowsA[100]!.id]) {
      const { sql, params } = listOAuthApps(db(), a.accountId, { health: { status: 'error', rules } }, after, 101).toSQL();
      const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
      const detail = rows.results.map((r) => r.detail).join(' | ');
      expect(detail).toContain('USING INDEX oauth_apps_account_error_stage_created_id_idx');
      // The missing-key arms: ranges of the key index between the keyring's ids (k1, k2).
      expect(detail.match(/INDEX oauth_apps_account_key_stage_created_id_idx \(account_id=\? AND client_secret_key_id[<>]\?\)/g)?.length).toBe(2);
      expect(detail).toContain('INDEX oauth_apps_account_key_stage_created_id_idx (account_id=? AND client_secret_key_id>? AND client_secret_key_id<?)');
      // Expiries passed but not staged yet: ranges of the two partial expiry indexes.
      // (IS NOT NULL, the partial index's term, shows as the range's lower end.)
      expect(detail).toContain('INDEX oauth_apps_account_unstaged_expiry_idx (account_id=? AND client_secret_expires_at>? AND client_secret_expires_at<?)');
      expect(detail).toContain('INDEX oauth_apps_account_warned_expiry_idx (account_id=? AND client_secret_expires_at<?)');
      // The page itself: the ids it found, by primary key.
      expect(detail).toMatch(/SEARCH oauth_apps USING INDEX sqlite_autoindex_oauth_apps_1 \(id=\?\)/);
      expect(detail).not.toMatch(/SCAN oauth_apps|USING INDEX oauth_apps_account_created_id_idx/);
    }
  });

  it('the page and the shown health agree: stored error, provider invalid, a key the keyring lacks; the rest are not listed', async () => {
    const c = await newCaller();
    const rows = await seedRows(c.accountId, 12, () => ({}));
    const [verdict, rejected, below, above] = rows;
    await env.DB.prepare("UPDATE oauth_apps SET health_status = 'error', health_notes = '[\"broken\"]' WHERE id = ?").bind(verdict!.id).run();
    await env.DB.prepare("UPDATE oauth_apps SET verification_status = 'invalid', verification_time = ?, verification_provider_error = 'invalid_client' WHERE id = ?")
      .bind(new Date().toISOString(), rejected!.id)
      .run();
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_key_id = 'gone' WHERE id = ?").bind(below!.id).run();
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_key_id = 'zz-gone' WHERE id = ?").bind(above!.id).run();
    const errors = (await all(c.token, { 'health.status': 'error' })).ids;
    expect(errors).toEqual(newestFirst([verdict!, rejected!, below!, above!]));
    const shown = (await all(c.token, {})).pages.flatMap((p) => p.data).filter((x) => x.health.status === 'error').map((x) => x.id);
    expect(shown).toEqual(errors);
    expect((await all(c.token, { 'health.status': 'ok' })).ids).toHaveLength(8);
    // Paged one at a time, still each once, in order.
    expect((await all(c.token, { 'health.status': 'error', limit: '1' })).ids).toEqual(errors);
  });

  it.runIf(targetInfo.name === 'worker')('rows read: what the page returns, not what the account holds (D1 meta.rows_read)', async () => {
    const c = await newCaller();
    const rows = await seedRows(c.accountId, 300, () => ({}));
    await env.DB.prepare("UPDATE oauth_apps SET health_status = 'error' WHERE id = ?").bind(rows[7]!.id).run();
    const { sql, params } = listOAuthApps(db(), c.accountId, { health: { status: 'error', rules: healthRules(await loadKeyring(env.ENCRYPTION_KEYRING)) } }, undefined, 101).toSQL();
    const res = (await env.DB.prepare(sql).bind(...params).all()) as unknown as { results: unknown[]; meta: { rows_read: number } };
    console.log(`rows read by a health.status=error page, 1 error among 300 apps: ${res.meta.rows_read}`);
    expect(res.results).toHaveLength(1);
    // 308 when the page walked the account's rows (the account index, filtered row by row).
    expect(res.meta.rows_read).toBeLessThan(20);
  });
});

describe('GET /v1/oauth-apps: the query plan', () => {
  // Keyset pagination only holds if SQLite walks an index in list order:
  // no full scan, no sort of the whole account's rows.
  async function plan(filter: Parameters<typeof listOAuthApps>[2], after?: string) {
    const { sql, params } = listOAuthApps(db(), a.accountId, filter, after, 101).toSQL();
    const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    return rows.results.map((r) => r.detail).join(' | ');
  }
  const cursor = () => rowsA[100]!.id;

  for (const [label, filter, index] of [
    ['unfiltered', {}, 'oauth_apps_account_created_id_idx'],
    ['by provider', { provider: 'github' }, 'oauth_apps_account_provider_created_id_idx'],
  ] as const) {
    it(`${label}: first and deep pages search ${index}, with no sort`, async () => {
      for (const after of [undefined, cursor()]) {
        const detail = await plan(filter, after);
        expect(detail).toContain(`USING INDEX ${index}`);
        expect(detail).not.toMatch(/TEMP B-TREE|SCAN oauth_apps/);
      }
    });
  }

  // Health as shown (src/oauth-apps/health.ts): the stored verdicts, the key id
  // against the keyring, the expiry against the clock. Each arm of the page
  // reads its own index: a list-order prefix of the key/stage index (skipping
  // only stored errors and the schedule's backlog), or a range of a partial
  // expiry index (rows pending staging), never the account's rows.
  const rules = healthRules({ primaryId: 'k2', keys: new Map([['k1', null], ['k2', null]]) });
  for (const [status, prefixes, range] of [
    // ok: the primary's unstaged rows; the warned ones past the warning (it shrank).
    ['ok', 1, 'oauth_apps_account_warned_expiry_idx (account_id=? AND client_secret_expires_at>?)'],
    // warn: k1's unstaged and warned rows, k2's warned ones; the unstaged within the warning.
    ['warn', 3, 'oauth_apps_account_unstaged_expiry_idx (account_id=? AND client_secret_expires_at>? AND client_secret_expires_at<?)'],
  ] as const) {
    it(`by health ${status}: first and deep pages read each arm from its index, in list order where it has one`, async () => {
      for (const after of [undefined, cursor()]) {
        const detail = await plan({ health: { status, rules } }, after);
        const prefix = `oauth_apps_account_key_stage_created_id_idx (account_id=? AND client_secret_key_id=? AND expiry_stage=?${after ? ' AND created_at<?' : ''})`;
        expect(detail.split(prefix).length - 1).toBe(prefixes);
        expect(detail).toContain(range);
        expect(detail).not.toMatch(/SCAN oauth_apps|USING INDEX oauth_apps_account_created_id_idx/);
      }
    });
  }
});
