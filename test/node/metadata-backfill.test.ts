// Migration 0003 on a database that already holds apps: the metadata index
// and each account's app count are backfilled, in the same terms the app
// writes them, so filters and quotas hold for apps created before it.
import { createClient } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { applyLibsqlMigrations, readMigrations, MIGRATIONS_DIR } from '../../src/db/ledger';
import { libsqlNodeDatabase } from '../../src/db/libsql-node';
import { listOAuthApps } from '../../src/oauth-apps/oauth-apps.repository';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-backfill-'));
const client = createClient({ url: `file:${join(dir, 'db.sqlite')}` });
afterAll(() => {
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

it('apps written before 0003 are found by the filter, and counted against the quota', async () => {
  const all = readMigrations(MIGRATIONS_DIR);
  const upTo = all.findIndex((m) => m.name.startsWith('0003'));
  expect(upTo).toBeGreaterThan(0);
  await applyLibsqlMigrations(client, all.slice(0, upTo));

  const at = '2026-01-01T00:00:00.000Z';
  await client.execute({ sql: 'INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)', args: ['acc-a', 'a', at] });
  await client.execute({ sql: 'INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)', args: ['acc-b', 'b', at] });
  const metadata = [
    '{"n":1,"nested":{"a":[1,"x"]},"on":true,"team":"billing"}',
    '{"n":1.5,"none":null,"team":"growth"}',
    `{"long":"${'v'.repeat(600)}","team":"billing"}`,
  ];
  for (const [i, m] of metadata.entries()) {
    await client.execute({
      sql: `INSERT INTO oauth_apps (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id,
              metadata, health_status, health_notes, health_time, version, created_at, updated_at)
            VALUES (?, 'acc-a', 'stripe', 'app', ?, 'c', 'k1', ?, 'ok', '[]', ?, 1, ?, ?)`,
      args: [`app-${i}`, `client-${i}`, m, at, `2026-01-0${i + 1}T00:00:00.000Z`, at],
    });
  }

  expect(await applyLibsqlMigrations(client)).toEqual(all.slice(upTo).map((m) => m.name));

  const counts = (await client.execute('SELECT id, app_count FROM accounts ORDER BY id')).rows.map((r) => [r.id, r.app_count]);
  expect(counts).toEqual([
    ['acc-a', 3],
    ['acc-b', 0],
  ]);
  const db = libsqlNodeDatabase(client);
  const found = async (filter: Record<string, unknown>) => (await listOAuthApps(db, 'acc-a', { metadata: filter }, undefined, 10)).map((r) => r.id);
  expect(await found({ team: 'billing' })).toEqual(['app-2', 'app-0']);
  expect(await found({ n: 1, on: true, nested: { a: [1, 'x'] } })).toEqual(['app-0']);
  expect(await found({ none: null })).toEqual(['app-1']);
  expect(await found({ n: 1.5 })).toEqual(['app-1']);
  // The 600-character value is not indexed: no filter can name it.
  const indexed = await client.execute("SELECT count(*) AS n FROM oauth_app_metadata WHERE app_id = 'app-2'");
  expect(indexed.rows[0]!.n).toBe(1);
});
