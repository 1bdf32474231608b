// What the repositories are written against, whatever the engine (D1, libSQL).
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';

/**
 * What repositories are written against: an async SQLite drizzle database with
 * an atomic batch (D1 and libSQL alike). D1 has no interactive transactions:
 * writes that belong together go into one batch.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Database = BaseSQLiteDatabase<'async', any> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};

export type Statement = BatchItem<'sqlite'>;
