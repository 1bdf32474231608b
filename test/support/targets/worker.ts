// The Worker in workerd, on the test file's own local D1 with the real migrations.
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import type { Database } from '../../../src/db/client';
import worker from '../../../src/index';
import type { RawDatabase } from '../target';
import { workerdTarget } from './workerd';

const db = drizzle(env.DB!) as unknown as Database;

export const target = workerdTarget(worker, {
  name: 'worker',
  bookmarks: true,
  db: () => db,
  DB: env.DB as unknown as RawDatabase,
});
