// The libSQL migrator against wrangler's own: the same migrations/ applied by
// `wrangler d1 migrations apply --local` to a D1 database and by
// applyLibsqlMigrations to an empty libSQL file give the same sqlite_schema and
// the same d1_migrations ledger; re-running is a no-op; a database made by
// wrangler needs nothing applied; a failing migration leaves no trace.
import { createClient, type Client } from '@libsql/client';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLibsqlMigrations, readMigrations } from '../../src/db/ledger';
import { wranglerOrThrow } from '../../scripts/lib/wrangler';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-ledger-'));
const clients: Client[] = [];
const open = (file: string) => {
  const client = createClient({ url: `file:${file}` });
  clients.push(client);
  return client;
};

const schemaOf = async (client: Client) =>
  (
    await client.execute(
      // _cf_* are D1's own tables; rootpage is where a table happens to sit in the file.
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name",
    )
  ).rows.map((r) => ({ ...r }));
const ledgerOf = async (client: Client) =>
  (await client.execute('SELECT id, name, applied_at FROM d1_migrations ORDER BY id')).rows.map((r) => ({ ...r }));
const withoutTimes = (rows: Record<string, unknown>[]) => rows.map(({ id, name }) => ({ id, name }));

/** A SQLite database file with its write-ahead log, if it has one. */
function copyDatabase(from: string, to: string): void {
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

let d1File: string;
beforeAll(async () => {
  // The real thing: wrangler applying migrations/ to a local D1 database.
  const persist = join(dir, 'wrangler-state');
  await wranglerOrThrow(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]);
  const objects = join(persist, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(objects).find((f) => f.endsWith('.sqlite'));
  if (!file) throw new Error('wrangler left no D1 database file');
  d1File = join(dir, 'd1.sqlite');
  copyDatabase(join(objects, file), d1File);
}, 60_000);

afterAll(() => {
  for (const client of clients) client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the libSQL migrator', () => {
  it('migrates an empty libSQL file to the schema and ledger wrangler gives D1', async () => {
    const libsql = open(join(dir, 'fresh.db'));
    const migrations = readMigrations('migrations');
    expect(await applyLibsqlMigrations(libsql, migrations)).toEqual(migrations.map((m) => m.name));

    const d1 = open(d1File);
    const schema = await schemaOf(libsql);
    expect(schema.map((r) => r.name)).toEqual(expect.arrayContaining(['oauth_apps', 'api_tokens', 'd1_migrations']));
    expect(schema).toEqual(await schemaOf(d1));
    expect(withoutTimes(await ledgerOf(libsql))).toEqual(withoutTimes(await ledgerOf(d1)));
    expect(withoutTimes(await ledgerOf(libsql)).map((r) => r.name)).toEqual(['0000_init.sql', '0001_lifecycle.sql', '0002_custody.sql', '0003_quotas_metadata_index.sql', '0004_records_true.sql', '0005_verification.sql', '0006_error_filter_index.sql', '0007_drop_unused_health_index.sql', '0008_health_over_time.sql', '0009_derived_by_triggers.sql']);
  });

  it('re-running it applies nothing and changes nothing', async () => {
    const libsql = open(join(dir, 'rerun.db'));
    await applyLibsqlMigrations(libsql, readMigrations('migrations'));
    const [schema, ledger] = [await schemaOf(libsql), await ledgerOf(libsql)];
    expect(await applyLibsqlMigrations(libsql, readMigrations('migrations'))).toEqual([]);
    expect(await schemaOf(libsql)).toEqual(schema);
    expect(await ledgerOf(libsql)).toEqual(ledger);
  });

  it('a database wrangler migrated (D1 moved to libSQL) needs nothing applied', async () => {
    const moved = join(dir, 'moved.sqlite');
    copyDatabase(d1File, moved);
    const libsql = open(moved);
    const ledger = await ledgerOf(libsql);
    expect(await applyLibsqlMigrations(libsql, readMigrations('migrations'))).toEqual([]);
    expect(await ledgerOf(libsql)).toEqual(ledger);
  });

  it('applies only what is new: a later migration on an up-to-date database', async () => {
    const migrationsDir = join(dir, 'migrations-plus');
    cpSync('migrations', migrationsDir, { recursive: true });
    const libsql = open(join(dir, 'plus.db'));
    await applyLibsqlMigrations(libsql, readMigrations(migrationsDir));
    writeFileSync(join(migrationsDir, '9999_extra.sql'), 'CREATE TABLE extra (id text PRIMARY KEY NOT NULL);\n');
    expect(await applyLibsqlMigrations(libsql, readMigrations(migrationsDir))).toEqual(['9999_extra.sql']);
    expect((await ledgerOf(libsql)).map((r) => r.name)).toEqual([
      '0000_init.sql',
      '0001_lifecycle.sql',
      '0002_custody.sql',
      '0003_quotas_metadata_index.sql',
      '0004_records_true.sql',
      '0005_verification.sql',
      '0006_error_filter_index.sql',
      '0007_drop_unused_health_index.sql',
      '0008_health_over_time.sql',
      '0009_derived_by_triggers.sql',
      '9999_extra.sql',
    ]);
  });

  it('a migration that fails is rolled back whole and not recorded', async () => {
    const migrationsDir = join(dir, 'migrations-bad');
    cpSync('migrations', migrationsDir, { recursive: true });
    writeFileSync(
      join(migrationsDir, '9999_bad.sql'),
      'CREATE TABLE half_done (id text);\n--> statement-breakpoint\nINSERT INTO no_such_table VALUES (1);\n',
    );
    const libsql = open(join(dir, 'bad.db'));
    await expect(applyLibsqlMigrations(libsql, readMigrations(migrationsDir))).rejects.toThrow(/9999_bad\.sql failed and was rolled back/);
    const names = (await schemaOf(libsql)).map((r) => r.name);
    expect(names).toContain('oauth_apps'); // the good ones before it stay applied
    expect(names).not.toContain('half_done');
    expect((await ledgerOf(libsql)).map((r) => r.name)).toEqual(['0000_init.sql', '0001_lifecycle.sql', '0002_custody.sql', '0003_quotas_metadata_index.sql', '0004_records_true.sql', '0005_verification.sql', '0006_error_filter_index.sql', '0007_drop_unused_health_index.sql', '0008_health_over_time.sql', '0009_derived_by_triggers.sql']);
  });
});
