// Where the scripts write: the D1 of wrangler.toml (local: in this process;
// remote: through wrangler) or a libSQL database (LIBSQL_URL, default ./data/oauth-apps.db,
// the Node server's). Statements are written once, with ? parameters.
import type { Client, InValue } from '@libsql/client';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { rowObjects } from '../../src/db/libsql';
import { DEFAULT_LIBSQL_URL, describeUrl, openLibsqlClient } from '../../src/db/libsql-node';
import { applyMigrations, executeSql, sqlText, type Target } from './d1';
import { openLocalD1, retryingBusy } from './local-d1';
import type { StoreTarget } from './targets';

export interface SqlStatement {
  sql: string;
  args: string[];
}

export interface Store {
  /** For messages: "the local D1", "libSQL file:./data/oauth-apps.db". */
  description: string;
  /** Runs the statements as one atomic unit; the rows of each. */
  run(statements: SqlStatement[]): Promise<Record<string, unknown>[][]>;
  close(): Promise<void>;
}

/**
 * The D1 database. The local one is opened in this process (scripts/lib/local-d1.ts),
 * its migrations applied first; the deployed one is reached through wrangler.
 */
export async function d1Store(target: Target): Promise<Store> {
  if (!target.remote) return localD1Store(target);
  return {
    description: 'the deployed D1',
    run: (statements) => executeSql(statements.map(inline).join('\n'), target),
    close: async () => undefined,
  };
}

async function localD1Store(target: Target): Promise<Store> {
  const local = await openLocalD1(target.persistTo);
  try {
    if ((await local.missingMigrations()).length > 0) await applyMigrations(target);
  } catch (err) {
    await local.dispose();
    throw err;
  }
  const disposed = { done: false };
  return {
    description: 'the local D1',
    run: (statements) =>
      retryingBusy(async () => {
        const results = await local.db.batch(statements.map((s) => local.db.prepare(s.sql).bind(...s.args)));
        return results.map((r) => (r.results ?? []) as Record<string, unknown>[]);
      }),
    close: async () => {
      if (disposed.done) return;
      disposed.done = true;
      await local.dispose();
    },
  };
}

/** The libSQL database of LIBSQL_URL / LIBSQL_AUTH_TOKEN (the Node server's settings), migrated first. */
export async function libsqlStore(environ: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const url = environ.LIBSQL_URL || DEFAULT_LIBSQL_URL;
  const client = await openLibsqlClient({ url, authToken: environ.LIBSQL_AUTH_TOKEN || undefined });
  await applyLibsqlMigrations(client);
  return { description: `libSQL ${describeUrl(url)}`, run: (statements) => runOnLibsql(client, statements), close: async () => client.close() };
}

async function runOnLibsql(client: Client, statements: SqlStatement[]): Promise<Record<string, unknown>[][]> {
  const results = await client.batch(
    statements.map((s) => ({ sql: s.sql, args: s.args as InValue[] })),
    'write',
  );
  return results.map(rowObjects);
}

/** A statement with its ? parameters written as SQL literals (wrangler d1 execute takes no parameters). */
function inline({ sql, args }: SqlStatement): string {
  let i = 0;
  const text = sql.replace(/\?/g, () => {
    if (i >= args.length) throw new Error('more ? than arguments');
    return sqlText(args[i++]!);
  });
  if (i !== args.length) throw new Error('more arguments than ?');
  return text.trimEnd().endsWith(';') ? text : `${text};`;
}

/** The store a target names (scripts/lib/targets.ts). */
export async function storeFor(target: StoreTarget): Promise<Store> {
  if (target.kind === 'libsql') return libsqlStore(target.url === undefined ? process.env : { ...process.env, LIBSQL_URL: target.url });
  return d1Store({ remote: target.kind === 'remote' });
}
