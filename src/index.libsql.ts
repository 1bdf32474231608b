// Worker entry point of wrangler.libsql.toml (npm run deploy:libsql): libSQL over HTTP (Turso) when
// LIBSQL_URL is set, D1 otherwise.
import { workerHandlers } from './worker';

export default workerHandlers(() => import('./db/libsql-web').then((m) => m.libsqlOrD1Engine));
