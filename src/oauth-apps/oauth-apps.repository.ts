// The only code that reads or writes an account's oauth_apps rows (and, with
// them, the account's app count and the rows' metadata index). Every query is
// scoped to an account: there is no way to reach a row without one. (Key
// custody's work across accounts is src/keys/custody.repository.ts; the
// verification columns' claims and verdicts, src/verification/verification.repository.ts.)
//
// A write takes its guard as a value: an SQL condition true exactly when the
// write may apply (the row is free or at the version read; the caller may add
// its own, e.g. its idempotency reservation). The statements that must commit
// with it (an idempotency answer, an audit event) are built by the caller
// under the same guard and run first in the write's batch.
import { and, desc, eq, getTableColumns, inArray, isNull, not, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/client';
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
export const ownApp = (accountId: string, id: string) => and(eq(oauthApps.accountId, accountId), eq(oauthApps.id, id));

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
 * The guard of a create: the account holds fewer than `maxApps` apps and no
 * app has the row's (provider, client_id).
 */
export function oauthAppIsFree(row: OAuthAppRow, maxApps: number): SQL {
  return and(sql`NOT EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${sameClient(row)})`, underQuota(row.accountId, maxApps))!;
}

/**
 * The batch that inserts the row if `guard` holds (oauthAppIsFree, and
 * whatever the caller adds), with its metadata's index entries and the
 * account's app count, after `alongside`; `insertAt` is the insert's place in
 * it (its RETURNING lists the row if it was written).
 */
export function insertOAuthAppStatements(db: Database, row: OAuthAppRow, guard: SQL, alongside: Statement[] = []) {
  // INSERT ... SELECT: the only insert form that takes a WHERE. Its columns
  // are the table's, in the order drizzle lists them.
  const values = sql.join(
    Object.entries(getTableColumns(oauthApps)).map(([field, column]) => sql.param(row[field as keyof OAuthAppRow], column)),
    sql`, `,
  );
  const insert = db
    .insert(oauthApps)
    .select(sql`SELECT ${values} WHERE ${guard}`)
    .onConflictDoNothing({ target: [oauthApps.accountId, oauthApps.provider, oauthApps.clientId] })
    .returning({ id: oauthApps.id });
  // The counter moves after the insert: the insert's own quota check reads it first.
  const before = [...alongside, indexMetadataStatement(db, row, guard)];
  return {
    statements: [...before, insert, countApps(db, row.accountId, sql`1`, appExists(row.id))],
    insertAt: before.length,
  };
}

/** Inserts the row (insertOAuthAppStatements) in one batch; false if `guard` did not hold, and then nothing is written. */
export async function insertOAuthApp(db: Database, row: OAuthAppRow, guard: SQL, alongside: Statement[] = []): Promise<boolean> {
  const { statements, insertAt } = insertOAuthAppStatements(db, row, guard, alongside);
  return (await batchResult(db, statements, insertAt)).length > 0;
}

/**
 * Why oauthAppIsFree(row, maxApps) is false now: the app that holds (account,
 * provider, client_id), or the quota; undefined if it holds (again).
 */
export async function createConflict(
  db: Database,
  row: OAuthAppRow,
  maxApps: number,
): Promise<DuplicateOAuthAppError | AppQuotaReachedError | undefined> {
  const existing = await db.select({ id: oauthApps.id }).from(oauthApps).where(sameClient(row)).limit(1);
  if (existing[0]) return new DuplicateOAuthAppError(existing[0].id);
  const [account] = await db.select({ n: accounts.appCount }).from(accounts).where(eq(accounts.id, row.accountId));
  if (account && account.n >= maxApps) return new AppQuotaReachedError(maxApps);
  return undefined;
}

/** Rows per insert statement: D1 binds at most 100 parameters a statement, one per column. */
const IMPORT_CHUNK = Math.floor(100 / Object.keys(getTableColumns(oauthApps)).length);

/**
 * Writes many rows straight to storage, with their index entries and app
 * counts (seeding benchmarks and tests; no quota, no events).
 */
export async function importOAuthApps(db: Database, rows: OAuthAppRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
    const chunk = rows.slice(i, i + IMPORT_CHUNK);
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
    | 'name'
    | 'clientSecretCiphertext'
    | 'clientSecretKeyId'
    | 'clientSecretGeneration'
    | 'metadata'
    | 'providerSettings'
    | 'updatedAt'
    | 'healthStatus'
    | 'healthNotes'
    | 'healthTime'
    | 'verificationStatus'
    | 'verificationTime'
    | 'verificationProviderError'
    | 'verificationReason'
    | 'verificationStartedAt'
  >
>;

/** The guard of an update: the row exists at the version that was read. */
export function oauthAppAtVersion(row: Pick<OAuthAppRow, 'accountId' | 'id' | 'version'>): SQL {
  return sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${and(ownApp(row.accountId, row.id), eq(oauthApps.version, row.version))})`;
}

/**
 * Applies `changes` if `guard` holds (oauthAppAtVersion: compare-and-swap on
 * the version, and whatever the caller adds), bumping the version, after
 * `alongside`. False if the row is gone, was written meanwhile, or the
 * caller's condition failed; then nothing is written.
 */
export async function updateOAuthApp(
  db: Database,
  row: Pick<OAuthAppRow, 'accountId' | 'id' | 'version' | 'createdAt'>,
  changes: OAuthAppChanges,
  guard: SQL,
  alongside: Statement[] = [],
): Promise<boolean> {
  const update = db
    .update(oauthApps)
    .set({ ...changes, version: row.version + 1 })
    .where(and(ownApp(row.accountId, row.id), eq(oauthApps.version, row.version), guard))
    .returning({ id: oauthApps.id });
  // New metadata: its index entries are replaced under the same guard as the update.
  const reindex =
    changes.metadata === undefined
      ? []
      : [unindexMetadataStatement(db, row.id, guard), indexMetadataStatement(db, { ...row, metadata: changes.metadata }, guard)];
  const before = [...alongside, ...reindex];
  const updated = await batchResult(db, [...before, update], before.length);
  return updated.length > 0;
}

/** The guard of a delete: the app exists. */
export function oauthAppExists(accountId: string, id: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${ownApp(accountId, id)})`;
}

/**
 * Deletes the row (and so its ciphertext), its index entries and its place in
 * the app count if `guard` holds (oauthAppExists), after `alongside`; false if
 * there was none.
 */
export async function deleteOAuthApp(db: Database, accountId: string, id: string, guard: SQL, alongside: Statement[] = []): Promise<boolean> {
  const del = db.delete(oauthApps).where(and(ownApp(accountId, id), guard)).returning({ id: oauthApps.id });
  const before = [...alongside, unindexMetadataStatement(db, id, guard), countApps(db, accountId, sql`-1`, guard)];
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
  if (filter.health?.status === 'error') return errorPage(db, accountId, filter, cursor, limit, filter.health.keyring);
  return db
    .select()
    .from(oauthApps)
    .where(and(...conditions))
    .orderBy(desc(oauthApps.createdAt), desc(oauthApps.id))
    .limit(limit);
}

/**
 * A page of the apps whose shown health is error, read by cause so that no
 * statement walks the account's healthy rows: the stored causes (a verdict of
 * error, a provider's invalid) from their partial index, and a key id the
 * keyring lacks from the key index, one range between each of its ids (rows
 * there exist only while an operator has removed a key still in use). Each
 * arm reads at most `limit` rows in list order; the page is the newest
 * `limit` of their union (a sort of at most (keys + 2) × limit ids).
 */
function errorPage(db: Database, accountId: string, filter: ListFilter, cursor: SQL | undefined, limit: number, keyring: KeyIds) {
  // In a key range the cursor's time must not be an index range (unary +):
  // else SQLite walks the account's rows older than the cursor instead.
  const common = (extra: SQL, byKey = false) =>
    and(
      eq(oauthApps.accountId, accountId),
      extra,
      filter.provider === undefined ? undefined : eq(oauthApps.provider, filter.provider),
      cursor ? sql`(${byKey ? sql`+` : sql``}${oauthApps.createdAt}, ${oauthApps.id}) < ${cursor}` : undefined,
    )!;
  const arm = (where: SQL) =>
    sql`SELECT id FROM (SELECT ${oauthApps.id} AS id FROM ${oauthApps} WHERE ${where} ORDER BY ${oauthApps.createdAt} DESC, ${oauthApps.id} DESC LIMIT ${limit})`;
  const stored = arm(common(STORED_ERROR));
  const ids = [...keyring.keys.keys()].sort();
  const ranges: SQL[] = [];
  for (let i = 0; i <= ids.length; i++) {
    const above = i > 0 ? sql`${oauthApps.clientSecretKeyId} > ${ids[i - 1]}` : undefined;
    const below = i < ids.length ? sql`${oauthApps.clientSecretKeyId} < ${ids[i]}` : undefined;
    ranges.push(arm(common(and(above, below)!, true)));
  }
  return db
    .select()
    .from(oauthApps)
    // The ids drive (primary-key lookups); the account check is kept but unary +
    // keeps SQLite from walking the account's index in list order instead.
    .where(and(sql`${oauthApps.id} IN (${sql.join([stored, ...ranges], sql` UNION `)})`, sql`+${oauthApps.accountId} = ${accountId}`))
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

/**
 * The stored causes of health error: custody's verdict, or the provider's
 * invalid, whatever custody says. Literal values, exactly the partial index's
 * WHERE (oauth_apps_account_error_created_id_idx): SQLite uses a partial index
 * only for queries that state its own terms.
 */
const STORED_ERROR = sql.raw(`("oauth_apps"."health_status" = '${VERDICT.error}' OR "oauth_apps"."verification_status" = 'invalid')`);

/** The rows whose shown health is `status`: the same rules as healthOf(), in SQL. */
function healthIs(status: HealthStatus, keyring: KeyIds): SQL {
  const ids = [...keyring.keys.keys()];
  // Not STORED_ERROR negated: verification_status is NULL until verified, and NOT NULL is not true.
  const verdictOk = and(eq(oauthApps.healthStatus, VERDICT.ok), or(isNull(oauthApps.verificationStatus), not(eq(oauthApps.verificationStatus, 'invalid'))))!;
  if (status === 'ok') return and(verdictOk, eq(oauthApps.clientSecretKeyId, keyring.primaryId))!;
  if (status === 'warn') {
    const older = ids.filter((id) => id !== keyring.primaryId);
    return older.length === 0 ? sql`0` : and(verdictOk, inArray(oauthApps.clientSecretKeyId, older))!;
  }
  return or(STORED_ERROR, notInArray(oauthApps.clientSecretKeyId, ids))!;
}
