// The only code that reads or writes an account's oauth_apps rows. What is
// derived from them (the account's app count, the rows' metadata index) the
// database keeps, in triggers (migrations/0009_derived_by_triggers.sql), in
// the statement that writes the row. Every query is
// scoped to an account: there is no way to reach a row without one. (Key
// custody's work across accounts is src/keys/custody.repository.ts; the
// verification columns' claims and verdicts, src/verification/verification.repository.ts.)
//
// A write takes its guard as a value: an SQL condition true exactly when the
// write may apply (the row is free or at the version read; the caller may add
// its own, e.g. its idempotency reservation). The statements that must commit
// with it (an idempotency answer, an audit event) are built by the caller
// under the same guard and run first in the write's batch.
import { and, desc, eq, getTableColumns, inArray, isNull, not, notInArray, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/client';
import { prebuilt, type Prebuildable } from '../db/prebuilt';
import { accounts, oauthApps, type OAuthAppRow } from '../db/schema';
import { VERDICT, type HealthRules, type HealthStatus } from './health';
import { metadataDriver, metadataFilterPlan, RARITY_CAP, type MetadataFilter } from './oauth-apps.metadata-index';

export class DuplicateOAuthAppError extends Error {
  override name = 'DuplicateOAuthAppError';
  constructor(readonly existingId: string) {
    super('an OAuth app with this provider and client_id already exists');
  }
}

/** The app `id` of this account: the only way any query reaches a row. */
export const ownApp = (accountId: string | Placeholder, id: string | Placeholder) => and(eq(oauthApps.accountId, accountId), eq(oauthApps.id, id));

/** The apps of this account with the row's provider and client_id (at most one). */
const sameClient = (row: Prebuildable<Pick<OAuthAppRow, 'accountId' | 'provider' | 'clientId'>>) =>
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

/** The account holds fewer than `maxApps` apps: one primary-key read of its counter. */
const underQuota = (accountId: string | Placeholder, maxApps: number | Placeholder) =>
  sql`(SELECT ${accounts.appCount} FROM ${accounts} WHERE ${eq(accounts.id, accountId)}) < ${maxApps}`;

/**
 * The guard of a create: the account holds fewer than `maxApps` apps and no
 * app has the row's (provider, client_id).
 */
export function oauthAppIsFree(row: Prebuildable<Pick<OAuthAppRow, 'accountId' | 'provider' | 'clientId'>>, maxApps: number | Placeholder): SQL {
  return and(sql`NOT EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${sameClient(row)})`, underQuota(row.accountId, maxApps))!;
}

/**
 * The batch that inserts the row if `guard` holds (oauthAppIsFree, and
 * whatever the caller adds), after `alongside`; `insertAt` is the insert's
 * place in it (its RETURNING lists the row if it was written). The insert's
 * trigger indexes its metadata and counts it, after its own quota check read
 * the count.
 */
export function insertOAuthAppStatements(db: Database, row: Prebuildable<OAuthAppRow>, guard: SQL, alongside: Statement[] = []) {
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
  return { statements: [...alongside, insert], insertAt: alongside.length };
}

/** Runs an insert's batch (insertOAuthAppStatements'); false if its guard did not hold, and then nothing is written. */
export async function insertOAuthApp(db: Database, { statements, insertAt }: { statements: Statement[]; insertAt: number }): Promise<boolean> {
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
 * Writes many rows straight to storage (seeding benchmarks and tests; no
 * quota, no events); their triggers index and count them.
 */
export async function importOAuthApps(db: Database, rows: OAuthAppRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += IMPORT_CHUNK) await db.insert(oauthApps).values(rows.slice(i, i + IMPORT_CHUNK));
}

const appById = prebuilt<{ accountId: string; id: string }, OAuthAppRow>((db, v) =>
  db.select().from(oauthApps).where(ownApp(v.accountId, v.id)).limit(1),
);

export async function findOAuthApp(db: Database, accountId: string, id: string): Promise<OAuthAppRow | undefined> {
  const rows = await appById(db, { accountId, id });
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
    | 'verificationAttemptedAt'
    | 'clientSecretExpiresAt'
    | 'expiryStage'
    | 'healthAnnounced'
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
  // New metadata is indexed anew by the update's trigger, only if it applies.
  const updated = await batchResult(db, [...alongside, update], alongside.length);
  return updated.length > 0;
}

/** The guard of a delete: the app exists. */
export function oauthAppExists(accountId: string, id: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${ownApp(accountId, id)})`;
}

/**
 * Deletes the row (and so its ciphertext) if `guard` holds (oauthAppExists),
 * after `alongside`; false if there was none. Its trigger drops its index
 * entries and its place in the app count.
 */
export async function deleteOAuthApp(db: Database, accountId: string, id: string, guard: SQL, alongside: Statement[] = []): Promise<boolean> {
  const del = db.delete(oauthApps).where(and(ownApp(accountId, id), guard)).returning({ id: oauthApps.id });
  const deleted = await batchResult(db, [...alongside, del], alongside.length);
  return deleted.length > 0;
}

export interface ListFilter {
  provider?: string | undefined;
  /** Health as shown (src/oauth-apps/health.ts): the stored verdicts, the key id against the keyring, the expiry against the clock. */
  health?: { status: HealthStatus; rules: HealthRules } | undefined;
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
  const metadata = metadataFilterPlan(accountId, filter.metadata ?? {});
  // The list as most callers read it, unfiltered, first page or after a client's cursor: prebuilt.
  if (!metadata && filter.provider === undefined && filter.health === undefined && typeof after !== 'object') {
    return after === undefined ? firstPage(db, { accountId, limit }) : pageAfter(db, { accountId, after, limit });
  }
  const conditions: SQL[] = [eq(oauthApps.accountId, accountId)];
  if (filter.provider !== undefined) conditions.push(eq(oauthApps.provider, filter.provider));
  const cursor = position(accountId, after);
  if (filter.health !== undefined && !metadata) return healthPage(db, accountId, filter, cursor, limit, filter.health);
  if (filter.health !== undefined) conditions.push(healthIs(filter.health.status, filter.health.rules));
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
  return pageOf(db, conditions, cursor, limit);
}

function pageOf(db: Database, conditions: SQL[], cursor: SQL | undefined, limit: number | Placeholder) {
  if (cursor) conditions.push(sql`(${oauthApps.createdAt}, ${oauthApps.id}) < ${cursor}`);
  return db
    .select()
    .from(oauthApps)
    .where(and(...conditions))
    .orderBy(desc(oauthApps.createdAt), desc(oauthApps.id))
    .limit(limit);
}

const firstPage = prebuilt<{ accountId: string; limit: number }, OAuthAppRow>((db, v) =>
  pageOf(db, [eq(oauthApps.accountId, v.accountId)], undefined, v.limit),
);
const pageAfter = prebuilt<{ accountId: string; after: string; limit: number }, OAuthAppRow>((db, v) =>
  pageOf(db, [eq(oauthApps.accountId, v.accountId)], position(v.accountId, v.after), v.limit),
);

/**
 * A page of the apps whose shown health is `status`, read by arms so that no
 * statement walks rows of another status: each arm is one index, named
 * (INDEXED BY), read in list order where the index has it (a prefix of the
 * key/stage index, or the partial index of stored errors), else a range of
 * rows that exist only while something is pending (a key removed from the
 * keyring, an expiry the schedule has not staged yet), sorted. Each arm
 * reads at most `limit` rows; the page is the newest `limit` of their union,
 * fetched by primary key.
 */
function healthPage(
  db: Database,
  accountId: string,
  filter: ListFilter,
  cursor: SQL | undefined,
  limit: number,
  health: { status: HealthStatus; rules: HealthRules },
) {
  const arms = healthArms(health.status, health.rules).map(({ index, where, range }) => {
    // In a range arm the cursor's time must not be an index range (unary +):
    // else SQLite walks the rows older than the cursor instead.
    const conditions = and(
      eq(oauthApps.accountId, accountId),
      where,
      filter.provider === undefined ? undefined : eq(oauthApps.provider, filter.provider),
      cursor ? sql`(${range ? sql`+` : sql``}${oauthApps.createdAt}, ${oauthApps.id}) < ${cursor}` : undefined,
    );
    return sql`SELECT id FROM (SELECT ${oauthApps.id} AS id FROM ${oauthApps} INDEXED BY ${sql.raw(index)} WHERE ${conditions} ORDER BY ${oauthApps.createdAt} DESC, ${oauthApps.id} DESC LIMIT ${limit})`;
  });
  return db
    .select()
    .from(oauthApps)
    // The ids drive (primary-key lookups); the account check is kept but unary +
    // keeps SQLite from walking the account's index in list order instead.
    .where(and(sql`${oauthApps.id} IN (${unionOf(arms)})`, sql`+${oauthApps.accountId} = ${accountId}`))
    .orderBy(desc(oauthApps.createdAt), desc(oauthApps.id))
    .limit(limit);
}

/** D1 refuses a compound SELECT of more than a few terms: unions of at most this many, nested. */
const UNION_TERMS = 4;

/** The union of `selects` (each `SELECT id ...`), as nested compounds of at most UNION_TERMS terms. */
function unionOf(selects: SQL[]): SQL {
  if (selects.length <= UNION_TERMS) return sql.join(selects, sql` UNION `);
  const groups: SQL[] = [];
  for (let i = 0; i < selects.length; i += UNION_TERMS) groups.push(sql`SELECT id FROM (${unionOf(selects.slice(i, i + UNION_TERMS))})`);
  return unionOf(groups);
}

/** The row value (created_at, id) a page starts after, in SQL. */
function position(accountId: string | Placeholder, after: After | Placeholder): SQL | undefined {
  if (after === undefined) return undefined;
  if (typeof after === 'string' || !('createdAt' in after)) return sql`(SELECT ${oauthApps.createdAt}, ${oauthApps.id} FROM ${oauthApps} WHERE ${ownApp(accountId, after)})`;
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

// The indexes' own terms, as literals: SQLite uses a partial index only for
// queries that state its WHERE. UNSTAGED and WARNED are also the scheduled
// expiry staging's (src/oauth-apps/expiry-schedule.ts), on their global twins.
const STORED_ERROR = sql.raw(
  `("oauth_apps"."health_status" = '${VERDICT.error}' OR "oauth_apps"."verification_status" = 'invalid' OR "oauth_apps"."expiry_stage" = 'error')`,
);
export const UNSTAGED = sql.raw(`"oauth_apps"."expiry_stage" IS NULL AND "oauth_apps"."client_secret_expires_at" IS NOT NULL`);
export const WARNED = sql.raw(`"oauth_apps"."expiry_stage" = 'warn'`);
const INDEX = {
  keyStage: 'oauth_apps_account_key_stage_created_id_idx',
  storedError: 'oauth_apps_account_error_stage_created_id_idx',
  unstaged: 'oauth_apps_account_unstaged_expiry_idx',
  warned: 'oauth_apps_account_warned_expiry_idx',
} as const;

interface Arm {
  index: string;
  where: SQL;
  /** Not list order on its index: a pending set's range, sorted. */
  range?: boolean;
}

/** The live terms of health, as healthOf() reads them, at the rules' clock. */
function liveTerms(rules: HealthRules) {
  const now = rules.now.toISOString();
  const soon = new Date(rules.now.getTime() + rules.expiryWarningMs).toISOString();
  const expires = oauthApps.clientSecretExpiresAt;
  return {
    now,
    soon,
    // Not STORED_ERROR negated: verification_status is NULL until verified, and NOT NULL is not true.
    verdictOk: and(eq(oauthApps.healthStatus, VERDICT.ok), or(isNull(oauthApps.verificationStatus), not(eq(oauthApps.verificationStatus, 'invalid'))))!,
    notExpired: or(isNull(expires), sql`${expires} > ${now}`)!,
    notExpiring: or(isNull(expires), sql`${expires} > ${soon}`)!,
    key: (id: string) => eq(oauthApps.clientSecretKeyId, id),
    stage: (stage: 'warn' | null) => (stage === null ? isNull(oauthApps.expiryStage) : eq(oauthApps.expiryStage, stage)),
  };
}

/**
 * The arms of a health page: together exactly the rows healthOf() shows with
 * `status` (given the staging rule: a row's stored stage is never past its
 * live one, except after SECRET_EXPIRY_WARNING_DAYS shrinks, which the
 * demotion arm covers), each bounded by the page or by a pending set.
 */
function healthArms(status: HealthStatus, rules: HealthRules): Arm[] {
  const t = liveTerms(rules);
  const expires = oauthApps.clientSecretExpiresAt;
  const ids = [...rules.keys.keys()].sort();
  if (status === 'ok') {
    return [
      // The primary key's unstaged rows, in list order (skipping stored errors and the schedule's backlog).
      { index: INDEX.keyStage, where: and(t.key(rules.primaryId), t.stage(null), t.verdictOk, t.notExpiring)! },
      // Staged warn but no longer within the warning (the setting shrank): until the schedule un-stages them.
      { index: INDEX.warned, where: and(WARNED, sql`${expires} > ${t.soon}`, t.key(rules.primaryId), t.verdictOk)!, range: true },
    ];
  }
  if (status === 'warn') {
    const healthyUnexpired = and(t.verdictOk, t.notExpired)!;
    return [
      // Under an older key, staged or not.
      ...ids
        .filter((id) => id !== rules.primaryId)
        .flatMap((id) => [
          { index: INDEX.keyStage, where: and(t.key(id), t.stage(null), healthyUnexpired)! },
          { index: INDEX.keyStage, where: and(t.key(id), t.stage('warn'), healthyUnexpired)! },
        ]),
      // Under the primary key, staged warn and still within the warning.
      { index: INDEX.keyStage, where: and(t.key(rules.primaryId), t.stage('warn'), healthyUnexpired, sql`${expires} <= ${t.soon}`)! },
      // Within the warning, not staged yet (the schedule's backlog).
      {
        index: INDEX.unstaged,
        where: and(UNSTAGED, sql`${expires} <= ${t.soon}`, sql`${expires} > ${t.now}`, t.verdictOk, inArray(oauthApps.clientSecretKeyId, ids))!,
        range: true,
      },
    ];
  }
  // error: the stored causes (custody, the provider, an expiry staged error),
  // the keys the keyring lacks (ranges between its ids), and the expiries
  // passed but not staged error yet.
  const ranges: Arm[] = [];
  for (let i = 0; i <= ids.length; i++) {
    const above = i > 0 ? sql`${oauthApps.clientSecretKeyId} > ${ids[i - 1]}` : undefined;
    const below = i < ids.length ? sql`${oauthApps.clientSecretKeyId} < ${ids[i]}` : undefined;
    ranges.push({ index: INDEX.keyStage, where: and(above, below)!, range: true });
  }
  return [
    { index: INDEX.storedError, where: STORED_ERROR },
    ...ranges,
    { index: INDEX.unstaged, where: and(UNSTAGED, sql`${expires} <= ${t.now}`)!, range: true },
    { index: INDEX.warned, where: and(WARNED, sql`${expires} <= ${t.now}`)!, range: true },
  ];
}

/** The rows whose shown health is `status`, as one condition (the metadata filter's pages): the same rules as healthOf(), in SQL. */
function healthIs(status: HealthStatus, rules: HealthRules): SQL {
  const t = liveTerms(rules);
  const ids = [...rules.keys.keys()];
  const expires = oauthApps.clientSecretExpiresAt;
  if (status === 'ok') return and(t.verdictOk, t.key(rules.primaryId), t.notExpiring)!;
  if (status === 'warn') {
    return and(t.verdictOk, inArray(oauthApps.clientSecretKeyId, ids), t.notExpired, or(not(t.key(rules.primaryId)), sql`${expires} <= ${t.soon}`))!;
  }
  return or(STORED_ERROR, notInArray(oauthApps.clientSecretKeyId, ids), sql`${expires} <= ${t.now}`)!;
}
