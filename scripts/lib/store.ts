// Where the scripts write: the D1 of wrangler.toml (local or remote, through
// wrangler) or a libSQL database (LIBSQL_URL, default ./data/oauth-apps.db,
// the Node server's). Statements are written once, with ? parameters.
import type { Client, InValue } from '@libsql/client';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { rowObjects } from '../../src/db/libsql';
import { DEFAULT_LIBSQL_URL, describeUrl, openLibsqlClient } from '../../src/db/libsql-node';
import { applyMigrations, executeSql, sqlText, type Target } from './d1';
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
  close(): void;
}

/** The D1 database; local ones get their migrations applied first. */
export async function d1Store(target: Target): Promise<Store> {
  if (!target.remote) await applyMigrations(target);
  return {
    description: target.remote ? 'the deployed D1' : 'the local D1',
    run: (statements) => executeSql(statements.map(inline).join('\n'), target),
    close: () => undefined,
  };
}

/** The libSQL database of LIBSQL_URL / LIBSQL_AUTH_TOKEN (the Node server's settings), migrated first. */
export async function libsqlStore(environ: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const url = environ.LIBSQL_URL || DEFAULT_LIBSQL_URL;
  const client = await openLibsqlClient({ url, authToken: environ.LIBSQL_AUTH_TOKEN || undefined });
  await applyLibsqlMigrations(client);
  return { description: `libSQL ${describeUrl(url)}`, run: (statements) => runOnLibsql(client, statements), close: () => client.close() };
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
