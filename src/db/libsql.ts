// What the libSQL engines share. An engine with one primary and nothing to
// bookmark: libSQL (Turso, sqld, a local file). The drizzle database is built
// by the caller from the client that fits the runtime: @libsql/client/web in
// the Worker, the Node client (which also opens files) on Node.
import type { Client, ResultSet } from '@libsql/client';
import type { Database } from './client';
import type { DatabaseSession, StorageEngine } from './engine';

export function singlePrimarySession(db: Database): DatabaseSession {
  return { db, bookmark: () => null };
}

export function singlePrimaryEngine(db: Database): StorageEngine {
  const session = singlePrimarySession(db);
  return { open: () => session };
}

/** A result's rows as plain objects keyed by column name. */
export function rowObjects(result: ResultSet): Record<string, unknown>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])));
}

const BUSY_ATTEMPTS = 4;
const BUSY_BACKOFF_MS = 25;

/**
 * A libSQL server's client, with batch() and execute() retried a few times when
 * the server answers SQLITE_BUSY (another writer held the lock past its busy
 * timeout, as sqld does under concurrent writes). Safe: a statement or batch
 * refused with SQLITE_BUSY was rolled back whole. Past the retries the error
 * stands, and the API answers 503. A local file's client is returned as it is:
 * it waits for the lock itself (its busy timeout).
 */
export function retryingOnBusy(client: Client): Client {
  if (client.protocol === 'file') return client;
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if ((prop !== 'batch' && prop !== 'execute') || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (err) {
            if (attempt >= BUSY_ATTEMPTS || (err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
            // Jittered exponential backoff, so the writers that collided do not collide again.
            await new Promise((r) => setTimeout(r, BUSY_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random())));
          }
        }
      };
    },
  });
}
