// The SQL of oauth_app_metadata, the index behind the list's metadata filter
// (schema: src/db/schema.ts): every statement that writes it and every
// condition that reads it is built here (the repository composes them into
// its batches and page queries). Its rows are derived, in
// SQL, from the metadata as stored, by the same json_each the filter used to
// run on every row at read time: the filter's meaning is unchanged, its cost
// moved to the write, where it is bounded by the metadata's size.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { alias, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Database, Statement } from '../db/client';
import type { Prebuildable } from '../db/prebuilt';
import { accounts, oauthAppMetadata, oauthApps, type OAuthAppRow } from '../db/schema';
import { canonicalJson } from '../util/canonical-json';
import { LIMITS } from './oauth-apps.schemas';

// The same rule as the backfill in migrations/0003_quotas_metadata_index.sql.
// Only keys and values a filter can name are indexed: a filter's key is at
// most filterKeyLength UTF-16 units and its value at most filterValueLength as
// JSON, so an equal stored key or value is at most as many characters (SQLite
// counts code points, never more than UTF-16 units).
const KIND = sql`CASE m.type WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE m.type END`;
const INDEXED = sql`length(m.key) <= ${sql.raw(String(LIMITS.filterKeyLength))}
  AND (m.type NOT IN ('text', 'array', 'object') OR length(m.value) <= ${sql.raw(String(LIMITS.filterValueLength))})`;

/** Indexes an app's metadata (its canonical JSON text), if `guard` holds: runs before the write that stores it, in its batch. */
export function indexMetadataStatement(
  db: Database,
  app: Prebuildable<Pick<OAuthAppRow, 'id' | 'accountId' | 'createdAt' | 'metadata'>>,
  guard: SQL,
): Statement {
  return db.insert(oauthAppMetadata).select(sql`SELECT ${app.id}, m.key, ${app.accountId}, ${KIND}, m.value, ${app.createdAt}
    FROM json_each(${app.metadata}) AS m WHERE ${guard} AND ${INDEXED}`);
}

/** Indexes the metadata of many apps as stored, from one JSON parameter of ids. */
export function indexStoredMetadataStatement(db: Database, appIds: string[]): Statement {
  return db.insert(oauthAppMetadata).select(sql`SELECT a.id, m.key, a.account_id, ${KIND}, m.value, a.created_at
    FROM ${oauthApps} AS a, json_each(a.metadata) AS m
    WHERE a.id IN (SELECT value FROM json_each(${JSON.stringify(appIds)})) AND ${INDEXED}`);
}

/** Drops the index rows of the app, if `guard` holds (the write that replaces or deletes its metadata applies). */
export function unindexMetadataStatement(db: Database, appId: string, guard: SQL = sql`1`): Statement {
  return db.delete(oauthAppMetadata).where(and(eq(oauthAppMetadata.appId, appId), guard));
}

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
