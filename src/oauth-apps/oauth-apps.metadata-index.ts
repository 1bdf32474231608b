// The SQL that reads oauth_app_metadata, the index behind the list's metadata
// filter (schema: src/db/schema.ts): every condition on it is built here (the
// repository composes them into its page queries). Its rows are derived from
// the metadata as stored, by the triggers of oauth_apps
// (migrations/0009_derived_by_triggers.sql), with the same json_each the
// filter used to run on every row at read time: the filter's meaning is
// unchanged, its cost moved to the write, where it is bounded by the
// metadata's size. Only keys and values a filter can name are indexed: a
// filter's key is at most LIMITS.filterKeyLength UTF-16 units and its value at
// most LIMITS.filterValueLength as JSON, so an equal stored key or value is at
// most as many characters (SQLite counts code points, never more than UTF-16
// units).
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { alias, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database } from '../db/client';
import { accounts, oauthAppMetadata } from '../db/schema';
import { canonicalJson } from '../util/canonical-json';

/** The columns of one reference to the index table (itself or an alias). */
type Entry = Record<'key' | 'kind' | 'value', AnySQLiteColumn>;

/**
 * `table`'s row holds `value`, type-aware (true, 1 and "1" differ; 1 and 1.0
 * do not): an equality on every column of the index before created_at, so a
 * filtered page walks the index in list order. Objects and arrays compare as
 * canonical JSON text (metadata is stored canonical).
 */
function holds(table: Entry, key: string, value: unknown): SQL {
  const entry = (kind: string, equal: SQL) => and(eq(table.key, key), eq(table.kind, kind), equal)!;
  if (value === null) return entry('null', sql`${table.value} IS NULL`);
  if (value === true) return entry('true', sql`${table.value} = 1`);
  if (value === false) return entry('false', sql`${table.value} = 0`);
  if (typeof value === 'number') return entry('number', sql`${table.value} = ${value}`);
  if (typeof value === 'string') return entry('text', sql`${table.value} = ${value}`);
  return entry(Array.isArray(value) ? 'array' : 'object', sql`${table.value} = ${canonicalJson(value)}`);
}

/** A metadata filter's entries, in the order a page tests them: the driver first. */
export type MetadataFilter = [key: string, value: unknown][];

/**
 * Counting stops here: enough to tell a rare entry from a common one. A
 * driver with fewer matching apps is walked in one statement; one with more,
 * window by window (METADATA_WINDOW in the repository, the same number).
 */
export const RARITY_CAP = 500;

/** A filter's entries in the order a page tests them, and whether its driver is common (RARITY_CAP or more apps, or not counted). */
export interface OrderedMetadataFilter {
  entries: MetadataFilter;
  commonDriver: boolean;
}

/**
 * Orders a filter's entries rarest first, from one statement that counts
 * each entry's index rows in the account, each count stopping at RARITY_CAP
 * (so it reads at most keys × 500 index entries, whatever the account
 * holds). Undefined when some entry matches no app: the page is empty. The
 * rarest entry then drives the page, and the others are probed rarest first,
 * so a candidate that fails is dropped at its first probe. A one-entry
 * filter is not counted.
 */
export async function orderMetadataFilter(
  db: Database,
  accountId: string,
  filter: Record<string, unknown>,
): Promise<OrderedMetadataFilter | undefined> {
  const entries = entriesOf(filter);
  if (entries.length < 2) return { entries, commonDriver: true };
  const [row] = await rarityQuery(db, accountId, entries);
  if (!row) return undefined;
  const order = entries.map((entry, i) => ({ entry, n: row[`c${i}`] ?? 0 }));
  if (order.some(({ n }) => n === 0)) return undefined;
  order.sort((a, b) => a.n - b.n);
  return { entries: order.map(({ entry }) => entry), commonDriver: order[0]!.n >= RARITY_CAP };
}

/** The counting statement of orderMetadataFilter (a query builder: tests read its plan). One row: the account's own, by primary key. */
export function rarityQuery(db: Database, accountId: string, entries: MetadataFilter) {
  const counted = alias(oauthAppMetadata, 'mc');
  const counts = Object.fromEntries(
    entries.map(([key, value], i) => [
      `c${i}`,
      sql<number>`(SELECT count(*) FROM (SELECT 1 FROM ${oauthAppMetadata} AS ${sql.identifier('mc')}
        WHERE ${and(eq(counted.accountId, accountId), holds(counted, key, value))} LIMIT ${RARITY_CAP}))`.mapWith(Number),
    ]),
  );
  return db.select(counts).from(accounts).where(eq(accounts.id, accountId));
}

const entriesOf = (filter: MetadataFilter | Record<string, unknown>): MetadataFilter =>
  Array.isArray(filter) ? filter : Object.entries(filter);

/**
 * The driver of a page filtered by metadata: an alias of the index (`name`)
 * and the condition that selects the index entries of the filter's first
 * entry in the account. Undefined for an empty filter ({} filters nothing).
 */
export function metadataDriver(accountId: string, filter: MetadataFilter | Record<string, unknown>, name = 'mf') {
  const [first] = entriesOf(filter);
  if (!first) return undefined;
  const driver = alias(oauthAppMetadata, name);
  return { driver, match: and(eq(driver.accountId, accountId), holds(driver, first[0], first[1]))! };
}

/**
 * How a page filtered by metadata is read: driven by the index entries of the
 * filter's first entry (`driver`, newest first), each candidate app probed for
 * every other entry by primary key (app_id, key), in the filter's order. A
 * page examines at most the driver's matching entries, never the account's
 * rows or their metadata.
 */
export function metadataFilterPlan(accountId: string, filter: MetadataFilter | Record<string, unknown>) {
  const driving = metadataDriver(accountId, filter);
  if (!driving) return undefined;
  const { driver } = driving;
  const probe = alias(oauthAppMetadata, 'mp');
  const conditions: SQL[] = [driving.match];
  for (const [key, value] of entriesOf(filter).slice(1)) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM ${oauthAppMetadata} AS ${sql.identifier('mp')} WHERE ${and(eq(probe.appId, driver.appId), holds(probe, key, value))})`,
    );
  }
  return { driver, conditions };
}
