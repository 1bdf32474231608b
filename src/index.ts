// Worker entry point (wrangler.toml main): storage on D1. The libSQL driver is
// not in this build; src/index.libsql.ts adds it (wrangler.libsql.toml).
import { workerHandlers } from './worker';

export default workerHandlers(() => import('./db/d1').then((m) => m.d1Engine));
