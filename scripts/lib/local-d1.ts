// The local D1 of wrangler.toml, opened in this process through Miniflare (the
// simulator wrangler dev runs): a real D1 binding with bound parameters, on
// the same files `wrangler dev` uses (.wrangler/state/v3/d1, or --persist-to's),
// without spawning wrangler. One wrangler spawn remains, and only when a
// migration is missing: `wrangler d1 migrations apply`, the authoritative path.
// Miniflare rather than wrangler's getPlatformProxy(), which wraps it: importing
// wrangler costs ~1.4 s, over a local command's 3 s budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEDGER_TABLE, readMigrations } from '../../src/db/ledger';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface D1Config {
  binding: string;
  databaseId: string;
  migrationsDir: string;
}

/**
 * The [[d1_databases]] entry of wrangler.toml bound as DB: its database_id
 * keys the local files. Read with a pattern, not a TOML parser (wrangler's is
 * bundled inside it); test/node/wrangler-config.test.ts checks it against
 * what wrangler itself reads.
 */
export function d1Config(toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')): D1Config {
  const block = /^\[\[d1_databases\]\]\s*\n((?:(?!^\[).*\n?)*)/m.exec(toml)?.[1] ?? '';
  const field = (name: string) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(block)?.[1];
  const binding = field('binding');
  const databaseId = field('preview_database_id') ?? field('database_id');
  if (binding !== 'DB' || !databaseId) throw new Error('wrangler.toml has no [[d1_databases]] entry bound as DB with a database_id');
  return { binding, databaseId, migrationsDir: join(ROOT, field('migrations_dir') ?? 'migrations') };
}

export interface LocalD1 {
  db: D1Database;
  /** Names in migrations/ that the database's d1_migrations lacks. */
  missingMigrations(): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function openLocalD1(persistTo = join(ROOT, '.wrangler', 'state')): Promise<LocalD1> {
  const config = d1Config();
  // Loaded here, not on import: the production build of the operator commands
  // (npm run build) has no devDependencies, and its --node paths never come here.
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch: () => new Response(null, { status: 404 }) }',
    d1Databases: { [config.binding]: config.databaseId },
    d1Persist: join(persistTo, 'v3', 'd1'),
  });
  const db = (await mf.getD1Database(config.binding)) as unknown as D1Database;
  return {
    db,
    async missingMigrations() {
      const names = readMigrations(config.migrationsDir).map((m) => m.name);
      const ledger = await db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ?`)
        .bind(LEDGER_TABLE)
        .first<{ name: string }>();
      if (!ledger) return names;
      const { results } = await db.prepare(`SELECT name FROM ${LEDGER_TABLE}`).all<{ name: string }>();
      const applied = new Set(results.map((r) => r.name));
      return names.filter((n) => !applied.has(n));
    },
    dispose: () => mf.dispose(),
  };
}

const BUSY = /SQLITE_BUSY|database is locked/i;

/** Runs `work`, again after a short wait when the file is locked by `wrangler dev` writing (up to ~2 s). */
export async function retryingBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 8 || !BUSY.test(String((err as Error)?.message ?? err))) throw err;
      await new Promise((r) => setTimeout(r, 25 * 2 ** Math.min(attempt, 6) * (0.5 + Math.random())));
    }
  }
}
