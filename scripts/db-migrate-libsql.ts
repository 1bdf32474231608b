// npm run db:migrate:libsql: applies migrations/ to the libSQL database of
// LIBSQL_URL (+ LIBSQL_AUTH_TOKEN), default file:./data/oauth-apps.db, and
// records each in d1_migrations, as `wrangler d1 migrations apply` does for
// D1. Re-running it applies nothing.
import { applyLibsqlMigrations } from '../src/db/ledger';
import { DEFAULT_LIBSQL_URL, describeUrl, openLibsqlClient } from '../src/db/libsql-node';

const url = process.env.LIBSQL_URL || DEFAULT_LIBSQL_URL;
try {
  const client = await openLibsqlClient({ url, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined });
  try {
    const applied = await applyLibsqlMigrations(client);
    console.log(applied.length ? `Applied to ${describeUrl(url)}: ${applied.join(', ')}` : `${describeUrl(url)} is up to date.`);
  } finally {
    client.close();
  }
} catch (err) {
  console.error(err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : err);
  process.exit(1);
}
