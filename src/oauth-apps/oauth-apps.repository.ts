// The only code that reads or writes the oauth_apps table (and, with it, an
// account's app count). Every query of the API's routes is scoped to an
// account: there is no way to reach a row without one.
//
// Writes take `alongside` statements (an idempotency answer, an audit event)
// that commit in the same batch, and only if the row is written.
import { and, asc, count, desc, eq, getTableColumns, inArray, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { nothingAlongside as nothing, type Alongside, type Database, type Statement } from '../db/client';
import { accounts, oauthApps, type OAuthAppRow } from '../db/schema';
import { VERDICT, type HealthStatus, type KeyIds } from './health';
import {
  indexMetadataStatement,
  indexStoredMetadataStatement,
  metadataDriver,
  metadataFilterPlan,
  RARITY_CAP,
  unindexMetadataStatement,
  type MetadataFilter,
} from './oauth-apps.metadata-index';

export class DuplicateOAuthAppError extends Error {
  override name = 'DuplicateOAuthAppError';
  constructor(readonly existingId: string) {
    super('an OAuth app with this provider and client_id already exists');
  }
}

/** The app `id` of this account: the only way any query reaches a row. */
const ownApp = (accountId: string, id: string) => and(eq(oauthApps.accountId, accountId), eq(oauthApps.id, id));

/** The apps of this account with the row's provider and client_id (at most one). */
const sameClient = (row: Pick<OAuthAppRow, 'accountId' | 'provider' | 'clientId'>) =>
  and(eq(oauthApps.accountId, row.accountId), eq(oauthApps.provider, row.provider), eq(oauthApps.clientId, row.clientId));

export class AppQuotaReachedError extends Error {
  override name = 'AppQuotaReachedError';
  constructor(readonly maxApps: number) {
    super(`the account holds its maximum of ${maxApps} OAuth apps`);
  }
}

/** Runs `statements` as one atomic batch; the result of the statement at `at`. */
async function batchResult(db: Database, statements: Statement[], at: number): Promise<unknown[]> {
  const results = await db.batch(statements as [Statement, ...Statement[]]);
  return results[at] as unknown[];
}

/** The app `id` exists (it was just written, in the same batch). */
const appExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${eq(oauthApps.id, id)})`;

/** The account holds fewer than `maxApps` apps: one primary-key read of its counter. */
const underQuota = (accountId: string, maxApps: number) =>
  sql`(SELECT ${accounts.appCount} FROM ${accounts} WHERE ${eq(accounts.id, accountId)}) < ${maxApps}`;

/** Adds `delta` to the account's app count if `guard` holds. */
const countApps = (db: Database, accountId: string, delta: SQL, guard: SQL): Statement =>
  db
    .update(accounts)
    .set({ appCount: sql`${accounts.appCount} + ${delta}` })
    .where(and(eq(accounts.id, accountId), guard));

/**
 * The batch that inserts the row, with its metadata's index entries and the
 * account's app count; `insertAt` is the insert's place in it (its RETURNING
 * lists the row if it was written). Nothing is written when the account
 * holds `maxApps` apps or another app has the row's (provider, client_id).
 */
export function insertOAuthAppStatements(db: Database, row: OAuthAppRow, maxApps: number, alongside: Alongside = nothing) {
  const free = and(sql`NOT EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${sameClient(row)})`, underQuota(row.accountId, maxApps))!;
  // INSERT ... SELECT: the only insert form that takes a WHERE. Its columns
  // are the table's, in the order drizzle lists them.
  const values = sql.join(
    Object.entries(getTableColumns(oauthApps)).map(([field, column]) => sql.param(row[field as keyof OAuthAppRow], column)),
    sql`, `,
  );
  const insert = db
    .insert(oauthApps)
    .select(sql`SELECT ${values} WHERE ${underQuota(row.accountId, maxApps)}`)
    .onConflictDoNothing({ target: [oauthApps.accountId, oauthApps.provider, oauthApps.clientId] })
    .returning({ id: oauthApps.id });
  // The counter moves after the insert: the insert's own quota check reads it first.
  const before = [...alongside(free), indexMetadataStatement(db, row, free)];
  return {
    statements: [...before, insert, countApps(db, row.accountId, sql`1`, appExists(row.id))],
    insertAt: before.length,
  };
}

/**
 * Inserts the row (insertOAuthAppStatements), or throws DuplicateOAuthAppError
 * naming the app that already holds (account, provider, client_id), or
 * AppQuotaReachedError; either way nothing is written.
 */
export async function insertOAuthApp(
  db: Database,
  row: OAuthAppRow,
  maxApps: number,
  alongside: Alongside = nothing,
): Promise<void> {
  // Twice at most: the conflicting app may be deleted between the two statements.
  for (let attempt = 0; attempt < 2; attempt++) {
    const { statements, insertAt } = insertOAuthAppStatements(db, row, maxApps, alongside);
    const inserted = await batchResult(db, statements, insertAt);
    if (inserted.length > 0) return;
    const existing = await db.select({ id: oauthApps.id }).from(oauthApps).where(sameClient(row)).limit(1);
    if (existing[0]) throw new DuplicateOAuthAppError(existing[0].id);
    const [account] = await db.select({ n: accounts.appCount }).from(accounts).where(eq(accounts.id, row.accountId));
    if (account && account.n >= maxApps) throw new AppQuotaReachedError(maxApps);
  }
  throw new Error('insert of an OAuth app conflicted twice without a visible conflicting row');
}

/**
 * Writes many rows straight to storage, with their index entries and app
 * counts (seeding benchmarks and tests; no quota, no events). Chunks of 7
 * rows: D1 binds at most 100 parameters a statement, and a row has 14.
 */
export async function importOAuthApps(db: Database, rows: OAuthAppRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 7) {
    const chunk = rows.slice(i, i + 7);
    const perAccount = new Map<string, number>();
    for (const row of chunk) perAccount.set(row.accountId, (perAccount.get(row.accountId) ?? 0) + 1);
    await db.batch([
      db.insert(oauthApps).values(chunk),
      indexStoredMetadataStatement(db, chunk.map((r) => r.id)),
      ...[...perAccount].map(([accountId, n]) => countApps(db, accountId, sql`${n}`, sql`1`)),
    ]);
  }
}

export async function findOAuthApp(db: Database, accountId: string, id: string): Promise<OAuthAppRow | undefined> {
  const rows = await db.select().from(oauthApps).where(ownApp(accountId, id)).limit(1);
  return rows[0];
}

export type OAuthAppChanges = Partial<
  Pick<
    OAuthAppRow,
    'name' | 'clientSecretCiphertext' | 'clientSecretKeyId' | 'metadata' | 'updatedAt' | 'healthStatus' | 'healthNotes' | 'healthTime'
  >
>;

/**
 * Applies `changes` if the row is still at `expectedVersion` (compare-and-swap),
 * bumping the version. False if the row is gone or was written meanwhile.
 */
export async function updateOAuthApp(
  db: Database,
  row: Pick<OAuthAppRow, 'accountId' | 'id' | 'version' | 'createdAt'>,
  changes: OAuthAppChanges,
  alongside: Alongside = nothing,
): Promise<boolean> {
  const where = and(ownApp(row.accountId, row.id), eq(oauthApps.version, row.version));
  const unchanged = sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${where})`;
  const update = db
    .update(oauthApps)
    .set({ ...changes, version: row.version + 1 })
    .where(where)
    .returning({ id: oauthApps.id });
  // New metadata: its index entries are replaced under the same guard as the update.
  const reindex =
    changes.metadata === undefined
      ? []
      : [
          unindexMetadataStatement(db, row.id, unchanged),
          indexMetadataStatement(db, { ...row, metadata: changes.metadata }, unchanged),
        ];
  const before = [...alongside(unchanged), ...reindex];
  const updated = await batchResult(db, [...before, update], before.length);
  return updated.length > 0;
}

/** Deletes the row (and so its ciphertext), its index entries and its place in the app count; false if there was none. */
export async function deleteOAuthApp(
  db: Database,
  accountId: string,
  id: string,
  alongside: Alongside = nothing,
): Promise<boolean> {
  const exists = sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${ownApp(accountId, id)})`;
  const del = db.delete(oauthApps).where(ownApp(accountId, id)).returning({ id: oauthApps.id });
  const before = [...alongside(exists), unindexMetadataStatement(db, id, exists), countApps(db, accountId, sql`-1`, exists)];
  const deleted = await batchResult(db, [...before, del], before.length);
  return deleted.length > 0;
}

export interface ListFilter {
  provider?: string | undefined;
  /** Health as shown (src/oauth-apps/health.ts): the stored verdict and the key id against the keyring. */
  health?: { status: HealthStatus; keyring: KeyIds } | undefined;
  /** Top-level keys that must be present with an equal JSON value (the first entry drives the page: orderMetadataFilter). */
  metadata?: MetadataFilter | Record<string, unknown> | undefined;
  /** False when the driver is known to match fewer than RARITY_CAP apps: the page is then one statement, with no windows. */
  commonDriver?: boolean | undefined;
}

/** Where a page starts: after the app with this id (a client's starting_after), or after this position in list order. */
export type After = string | { createdAt: string; id: string } | undefined;

/** The candidates one statement of a metadata-filtered page examines, at most (as many as RARITY_CAP counts). */
export const METADATA_WINDOW = RARITY_CAP;

/**
 * One page, newest first (created_at, then id, descending), strictly after
 * `after`. Keyset pagination on the (account, [provider | health,]
 * created_at, id) indexes, or, filtered by metadata, on the metadata index's
 * (account, key, kind, value, created_at, app_id): a deep page costs what the
 * first does, and no page reads metadata. The cursor's position is read in
 * the same statement, so a page is one round trip; an unknown cursor simply
 * yields no rows. With `window`, a metadata-filtered statement examines only
 * the next `window` candidates (listOAuthAppsPage walks the windows).
 */
export function listOAuthApps(
  db: Database,
  accountId: string,
  filter: ListFilter,
  after: After,
  limit: number,
  window?: number,
) {
  const conditions: SQL[] = [eq(oauthApps.accountId, accountId)];
  if (filter.provider !== undefined) conditions.push(eq(oauthApps.provider, filter.provider));
  if (filter.health !== undefined) conditions.push(healthIs(filter.health.status, filter.health.keyring));
  const cursor = position(accountId, after);
  const metadata = metadataFilterPlan(accountId, filter.metadata ?? {});
  // A query builder: awaiting it runs it; tests read its plan through toSQL().
  if (metadata) {
    const { driver } = metadata;
    if (cursor) conditions.push(sql`(${driver.createdAt}, ${driver.appId}) < ${cursor}`);
    if (window !== undefined) {
      // A range on the index, so the walk stops at the window's end: each end
      // column once (uncorrelated), '' (before any id or time) when fewer remain.
      const end = (field: 'createdAt' | 'id') =>
        sql`coalesce((${windowEnd(db, accountId, filter, after, window, field)!.getSQL()}), '')`;
      conditions.push(sql`(${driver.createdAt}, ${driver.appId}) >= (${end('createdAt')}, ${end('id')})`);
    }
    return db
      .select(getTableColumns(oauthApps))
      .from(driver)
      .innerJoin(oauthApps, eq(oauthApps.id, driver.appId))
      .where(and(...metadata.conditions, ...conditions))
      .orderBy(desc(driver.createdAt), desc(driver.appId))
      .limit(limit);
  }
  if (cursor) conditions.push(sql`(${oauthApps.createdAt}, ${oauthApps.id}) < ${cursor}`);
  return db
    .select()
    .from(oauthApps)
    .where(and(...conditions))
    .orderBy(desc(oauthApps.createdAt), desc(oauthApps.id))
    .limit(limit);
}

/** The row value (created_at, id) a page starts after, in SQL. */
function position(accountId: string, after: After): SQL | undefined {
  if (after === undefined) return undefined;
  if (typeof after === 'string') return sql`(SELECT ${oauthApps.createdAt}, ${oauthApps.id} FROM ${oauthApps} WHERE ${ownApp(accountId, after)})`;
  return sql`(${after.createdAt}, ${after.id})`;
}

/**
 * The `window`-th candidate of a metadata-filtered page after `after` (the
 * driver entry's position), or no row when fewer remain: reads at most
 * `window` index entries.
 */
export function windowEnd(db: Database, accountId: string, filter: ListFilter, after: After, window: number, only?: 'createdAt' | 'id') {
  const driving = metadataDriver(accountId, filter.metadata ?? {}, 'mw');
  if (!driving) return undefined;
  const { driver } = driving;
  const cursor = position(accountId, after);
  const fields = { createdAt: driver.createdAt, id: driver.appId };
  return db
    .select(only === undefined ? fields : { [only]: fields[only] })
    .from(driver)
    .where(and(driving.match, cursor ? sql`(${driver.createdAt}, ${driver.appId}) < ${cursor}` : undefined))
    .orderBy(desc(driver.createdAt), desc(driver.appId))
    .limit(1)
    .offset(window - 1);
}

/**
 * A page as the API answers it. Filtered by metadata with a common driver, it
 * is read window by window: each statement examines at most `window`
 * candidates (and their probes), and between statements other requests run,
 * so however common the filter's entries are and however few apps have them
 * all, no statement's cost grows with the account. The page's total work is
 * still at most the account's apps (≤ the quota) × the filter's entries. A
 * rare driver (fewer than RARITY_CAP apps) is one statement.
 */
export async function listOAuthAppsPage(
  db: Database,
  accountId: string,
  filter: ListFilter,
  after: After,
  limit: number,
  window = METADATA_WINDOW,
): Promise<OAuthAppRow[]> {
  if (!metadataDriver(accountId, filter.metadata ?? {}) || filter.commonDriver === false) {
    return listOAuthApps(db, accountId, filter, after, limit);
  }
  const rows = await listOAuthApps(db, accountId, filter, after, limit, window);
  for (;;) {
    if (rows.length >= limit) return rows;
    // A short page: where did the window end? Nothing past it means the walk is done.
    const [end] = await windowEnd(db, accountId, filter, after, window)!;
    if (!end) return rows;
    after = end as { createdAt: string; id: string };
    await otherRequestsFirst();
    rows.push(...(await listOAuthApps(db, accountId, filter, after, limit - rows.length, window)));
  }
}

/**
 * Lets requests waiting on I/O run before the next statement. A libSQL file
 * runs each statement on the event loop and its promise is already settled,
 * so the next window would otherwise follow at once and nobody else would run
 * until the whole page was done. Node's setImmediate runs after pending I/O
 * (a 0 ms timer may not: expired timers run back to back); where there is
 * none (workerd, whose storage calls are real I/O), a timer.
 */
const setImmediateIfAny = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const otherRequestsFirst = () =>
  new Promise<void>((resolve) => (setImmediateIfAny ? setImmediateIfAny(resolve) : setTimeout(resolve, 0)));

/** The rows whose shown health is `status`: the same rules as healthOf(), in SQL. */
function healthIs(status: HealthStatus, keyring: KeyIds): SQL {
  const ids = [...keyring.keys.keys()];
  const verdictOk = eq(oauthApps.healthStatus, VERDICT.ok);
  if (status === 'ok') return and(verdictOk, eq(oauthApps.clientSecretKeyId, keyring.primaryId))!;
  if (status === 'warn') {
    const older = ids.filter((id) => id !== keyring.primaryId);
    return older.length === 0 ? sql`0` : and(verdictOk, inArray(oauthApps.clientSecretKeyId, older))!;
  }
  return or(eq(oauthApps.healthStatus, VERDICT.error), notInArray(oauthApps.clientSecretKeyId, ids))!;
}

// ---- Key custody: work across accounts, for the scheduled jobs and operators.

/** A decryption's outcome, to be stored as the row's verdict if its secret is still `ciphertext`. */
export interface Verdict {
  id: string;
  ciphertext: string;
  status: keyof typeof VERDICT;
  notes: string[];
}

/**
 * Stores verdicts in one statement (one JSON parameter, whatever the count),
 * each only if the row still holds the ciphertext that was judged: a secret
 * replaced meanwhile keeps the verdict its writer gave it.
 */
export function recordVerdictsStatement(db: Database, verdicts: Verdict[], now: Date): Statement {
  const item = fromJson(verdicts.map((v) => ({ id: v.id, c: v.ciphertext, s: v.status, n: JSON.stringify(v.notes) })));
  return db
    .update(oauthApps)
    .set({ healthStatus: item('s'), healthNotes: item('n'), healthTime: now.toISOString() })
    .where(and(item.listed, eq(oauthApps.clientSecretCiphertext, item('c'))));
}

/**
 * Per-row values for one UPDATE, from one JSON parameter (D1 binds at most
 * 100 parameters a statement): item(f) is this row's entry's field f, and
 * item.listed says the row has an entry. drizzle's own update builder keeps
 * it batchable on D1.
 */
function fromJson(entries: ({ id: string } & Record<string, string>)[]) {
  const json = JSON.stringify(entries);
  // Qualified: json_each has an "id" column of its own.
  const rowId = sql.raw('"oauth_apps"."id"');
  const item = (field: string): SQL =>
    sql`(SELECT json_extract(value, ${`$.${field}`}) FROM json_each(${json}) WHERE json_extract(value, '$.id') = ${rowId})`;
  item.listed = sql`${rowId} IN (SELECT json_extract(value, '$.id') FROM json_each(${json}))`;
  return item;
}

/** A row's secret moved from one key to another: the new ciphertext replaces `from` only if the row still holds it. */
export interface CiphertextSwap {
  id: string;
  fromCiphertext: string;
  fromKeyId: string;
  ciphertext: string;
  toKeyId: string;
}

/**
 * Compare-and-swap of ciphertexts in one statement: a row whose secret was
 * replaced since it was read (a PATCH) keeps the new secret. The version and
 * updated_at stay: the app's content is unchanged, and a client's If-Match
 * must stay valid. The secret decrypted, so its verdict is ok, now.
 */
export function swapCiphertextsStatement(db: Database, swaps: CiphertextSwap[], now: Date) {
  const item = fromJson(swaps.map((s) => ({ id: s.id, f: s.fromCiphertext, c: s.ciphertext, k: s.toKeyId })));
  // RETURNING: the batch's result for this statement lists the rows swapped.
  return db
    .update(oauthApps)
    .set({
      clientSecretCiphertext: item('c'),
      clientSecretKeyId: item('k'),
      healthStatus: VERDICT.ok,
      healthNotes: '[]',
      healthTime: now.toISOString(),
    })
    .where(and(item.listed, eq(oauthApps.clientSecretCiphertext, item('f'))))
    .returning({ id: oauthApps.id });
}

/** Rows to re-encrypt: under one of `keyIds` (older keys the keyring still has), verdict ok. */
export function rowsUnderKeys(db: Database, keyIds: string[], limit: number): Promise<OAuthAppRow[]> {
  if (keyIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(oauthApps)
    .where(and(inArray(oauthApps.clientSecretKeyId, keyIds), eq(oauthApps.healthStatus, VERDICT.ok)))
    .limit(limit);
}

/** Rows under `keyId` with this verdict, the longest unchecked first (on the key/health/time index). */
export function rowsToVerify(db: Database, keyId: string, status: keyof typeof VERDICT, limit: number): Promise<OAuthAppRow[]> {
  return db
    .select()
    .from(oauthApps)
    .where(and(eq(oauthApps.clientSecretKeyId, keyId), eq(oauthApps.healthStatus, status)))
    .orderBy(asc(oauthApps.healthTime))
    .limit(limit);
}

/** How many rows are left to re-encrypt: under `keyIds`, verdict ok. */
export async function countUnderKeys(db: Database, keyIds: string[]): Promise<number> {
  if (keyIds.length === 0) return 0;
  const [row] = await db
    .select({ n: count() })
    .from(oauthApps)
    .where(and(inArray(oauthApps.clientSecretKeyId, keyIds), eq(oauthApps.healthStatus, VERDICT.ok)));
  return row?.n ?? 0;
}

/** How many secrets each key id protects, and how many of those have an error verdict. */
export async function secretsPerKey(db: Database): Promise<Map<string, { secrets: number; errors: number }>> {
  const rows = await db
    .select({ keyId: oauthApps.clientSecretKeyId, status: oauthApps.healthStatus, n: count() })
    .from(oauthApps)
    .groupBy(oauthApps.clientSecretKeyId, oauthApps.healthStatus);
  const out = new Map<string, { secrets: number; errors: number }>();
  for (const { keyId, status, n } of rows) {
    const entry = out.get(keyId) ?? { secrets: 0, errors: 0 };
    entry.secrets += n;
    if (status === VERDICT.error) entry.errors += n;
    out.set(keyId, entry);
  }
  return out;
}
