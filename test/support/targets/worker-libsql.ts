// The Worker's libSQL build (src/index.libsql.ts, wrangler.libsql.toml) in
// workerd, with LIBSQL_URL pointing at a real libSQL server (sqld, started and
// migrated by test/global-setup.sqld.ts). One database for the whole project:
// its files run one at a time. A client per use, as the Worker itself does:
// workerd does not let one test's request context use I/O begun in another's.
import { env } from 'cloudflare:workers';
import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import type { Database } from '../../../src/db/client';
import worker from '../../../src/index.libsql';
import { rawLibsqlDatabase } from '../raw-libsql';
import { workerdTarget } from './workerd';

const client = () => createClient({ url: env.LIBSQL_URL! });

export const target = workerdTarget(worker, {
  name: 'worker-libsql',
  bookmarks: false,
  db: () => drizzle(client()) as unknown as Database,
  DB: rawLibsqlDatabase(client),
});
