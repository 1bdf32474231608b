// Applies migrations/ to a libSQL database and records each in d1_migrations,
// the ledger `wrangler d1 migrations apply` keeps, with wrangler's own table
// definition: a database can move between D1 and libSQL and each side knows
// what has been applied. The SQL files are the only schema source.
import type { Client } from '@libsql/client';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../node/project-files';

export const LEDGER_TABLE = 'd1_migrations';
/** The project's migrations/, wherever the process runs from. */
export const MIGRATIONS_DIR = projectPath('migrations');

// Byte for byte what wrangler 4.86 runs (src/d1/migrations/helpers.ts), so that
// sqlite_schema is identical on both engines.
const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE}(
\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,
\t\tname       TEXT UNIQUE,
\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`;

export interface Migration {
  name: string;
  sql: string;
}

/** The .sql files of `dir`, in wrangler's order (by name). */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Applies the migrations not yet in the ledger, in order, each in its own
 * write transaction together with its ledger row. The ledger is read inside
 * that transaction, so two migrators at once cannot apply a file twice.
 * Returns the names applied (none when the database is up to date).
 */
export async function applyLibsqlMigrations(
  client: Client,
  migrations: Migration[] = readMigrations(MIGRATIONS_DIR),
): Promise<string[]> {
  await client.execute(CREATE_LEDGER);
  const applied: string[] = [];
  for (const migration of migrations) {
    const tx = await client.transaction('write');
    try {
      const seen = await tx.execute({ sql: `SELECT 1 FROM ${LEDGER_TABLE} WHERE name = ?`, args: [migration.name] });
      if (seen.rows.length > 0) {
        await tx.rollback();
        continue;
      }
      await tx.executeMultiple(migration.sql);
      await tx.execute({ sql: `INSERT INTO ${LEDGER_TABLE} (name) VALUES (?)`, args: [migration.name] });
      await tx.commit();
      applied.push(migration.name);
    } catch (err) {
      await tx.rollback().catch(() => undefined);
      throw new Error(`migration ${migration.name} failed and was rolled back`, { cause: err });
    } finally {
      tx.close();
    }
  }
  return applied;
}
