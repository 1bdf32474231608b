// npm run db:migrate:libsql: migrations/ applied to the Node server's libSQL
// database (LIBSQL_URL + LIBSQL_AUTH_TOKEN, default file:./data/oauth-apps.db).
// Also built as dist/node/db-migrate-libsql.js. The other targets: scripts/db-migrate.ts.
import { migrateCommand } from './lib/migrate';

await migrateCommand('db:migrate:libsql', 'libsql');
