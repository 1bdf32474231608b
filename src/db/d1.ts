// Cloudflare D1 through the Sessions API, so reads can be served by a nearby
// read replica without losing read-your-writes (see README: consistency).
import { drizzle } from 'drizzle-orm/d1';
import { appConfigOf } from '../config/app-config';
import { ConfigError } from '../config/schema';
import type { Database } from './client';
import type { StorageEngine } from './engine';

export const d1Engine: StorageEngine = {
  open(env, { writes, bookmark }) {
    if (appConfigOf(env).libsqlUrl) {
      // Never fall back to D1 silently when the operator asked for libSQL.
      throw new ConfigError('LIBSQL_URL is set, but this Worker build has only the D1 driver: deploy the libSQL build: npm run deploy:libsql (wrangler.libsql.toml)');
    }
    if (!env.DB) throw new ConfigError('no storage configured: bind a D1 database as DB, or set LIBSQL_URL');
    // A write starts at the primary, which is at least as fresh as any bookmark.
    const session = env.DB.withSession(writes ? 'first-primary' : (bookmark ?? 'first-unconstrained'));
    // drizzle's types do not know D1DatabaseSession (drizzle-orm#4522); it uses
    // only prepare() and batch(), which the session has.
    const db = drizzle(session as unknown as D1Database) as unknown as Database;
    return { db, bookmark: () => session.getBookmark() };
  },
};
