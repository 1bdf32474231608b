// Worker entry point of wrangler.libsql.toml (npm run deploy:libsql): libSQL over HTTP (Turso) when
// LIBSQL_URL is set, D1 otherwise.
import { workerHandlers } from './worker';
import { loadParts } from './worker.libsql';

export default workerHandlers(loadParts);
