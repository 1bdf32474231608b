// The drizzle client over a D1 binding, built once per binding object.
import { drizzle } from 'drizzle-orm/d1';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';

/** What repositories are written against: any async SQLite drizzle database (D1 now, libSQL later). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Database = BaseSQLiteDatabase<'async', any>;

const clients = new WeakMap<D1Database, Database>();

export function d1Database(binding: D1Database): Database {
  let db = clients.get(binding);
  if (!db) {
    db = drizzle(binding);
    clients.set(binding, db);
  }
  return db;
}
