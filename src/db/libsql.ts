// An engine with one primary and nothing to bookmark: libSQL (Turso, sqld, a
// local file). The drizzle database is built by the caller from the client
// that fits the runtime: @libsql/client/web in the Worker, the Node client
// (which also opens files) on Node.
import type { Database } from './client';
import type { DatabaseSession, StorageEngine } from './engine';

export function singlePrimaryEngine(db: Database): StorageEngine {
  const session: DatabaseSession = { db, bookmark: () => null };
  return { open: () => session };
}
