// The only code that reads or writes the oauth_apps table. Every query is
// scoped to an account: there is no way to reach a row without one.
//
// Writes take `alongside` statements (an idempotency answer, later an audit
// event) that commit in the same batch, and only if the row is written.
import { and, asc, count, desc, eq, inArray, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { nothingAlongside as nothing, type Alongside, type Database, type Statement } from '../db/client';
import { oauthApps, type OAuthAppRow } from '../db/schema';
import { canonicalJson } from '../util/canonical-json';
import { VERDICT, type HealthStatus, type KeyIds } from './health';

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

function batch(db: Database, statements: Statement[]) {
  return db.batch(statements as [Statement, ...Statement[]]);
}

/**
 * Inserts the row, or throws DuplicateOAuthAppError naming the app that
 * already holds (account, provider, client_id).
 */
export async function insertOAuthApp(db: Database, row: OAuthAppRow, alongside: Alongside = nothing): Promise<void> {
  const free = sql`NOT EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${sameClient(row)})`;
  // Twice at most: the conflicting app may be deleted between the two statements.
  for (let attempt = 0; attempt < 2; attempt++) {
    const insert = db
      .insert(oauthApps)
      .values(row)
      .onConflictDoNothing({ target: [oauthApps.accountId, oauthApps.provider, oauthApps.clientId] })
      .returning({ id: oauthApps.id });
    const results = await batch(db, [...alongside(free), insert]);
    if ((results.at(-1) as unknown[]).length > 0) return;
    const existing = await db.select({ id: oauthApps.id }).from(oauthApps).where(sameClient(row)).limit(1);
    if (existing[0]) throw new DuplicateOAuthAppError(existing[0].id);
  }
  throw new Error('insert of an OAuth app conflicted twice without a visible conflicting row');
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
  row: Pick<OAuthAppRow, 'accountId' | 'id' | 'version'>,
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
  const results = await batch(db, [...alongside(unchanged), update]);
  return (results.at(-1) as unknown[]).length > 0;
}

/** Deletes the row (and so its ciphertext); false if there was none. */
export async function deleteOAuthApp(
  db: Database,
  accountId: string,
  id: string,
  alongside: Alongside = nothing,
): Promise<boolean> {
  const exists = sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${ownApp(accountId, id)})`;
  const del = db.delete(oauthApps).where(ownApp(accountId, id)).returning({ id: oauthApps.id });
  const results = await batch(db, [...alongside(exists), del]);
  return (results.at(-1) as unknown[]).length > 0;
}

export interface ListFilter {
  provider?: string | undefined;
  /** Health as shown (src/oauth-apps/health.ts): the stored verdict and the key id against the keyring. */
  health?: { status: HealthStatus; keyring: KeyIds } | undefined;
  /** Top-level keys that must be present with an equal JSON value. */
  metadata?: Record<string, unknown> | undefined;
}

/**
 * One page, newest first (created_at, then id, descending), strictly after
 * the app `afterId`. Keyset pagination on the (account, [provider | health,]
 * created_at, id) indexes: a deep page costs what the first does. The cursor's
 * position is read in the same statement, so a page is one round trip; an
 * unknown cursor simply yields no rows.
 */
export function listOAuthApps(
  db: Database,
  accountId: string,
  filter: ListFilter,
  afterId: string | undefined,
  limit: number,
) {
  const conditions: SQL[] = [eq(oauthApps.accountId, accountId)];
  if (filter.provider !== undefined) conditions.push(eq(oauthApps.provider, filter.provider));
  if (filter.health !== undefined) conditions.push(healthIs(filter.health.status, filter.health.keyring));
  for (const [key, value] of Object.entries(filter.metadata ?? {})) conditions.push(metadataHolds(key, value));
  if (afterId !== undefined) {
    const cursor = sql`SELECT ${oauthApps.createdAt}, ${oauthApps.id} FROM ${oauthApps} WHERE ${ownApp(accountId, afterId)}`;
    conditions.push(sql`(${oauthApps.createdAt}, ${oauthApps.id}) < (${cursor})`);
  }
  // A query builder: awaiting it runs it; tests read its plan through toSQL().
  return db
    .select()
    .from(oauthApps)
    .where(and(...conditions))
    .orderBy(desc(oauthApps.createdAt), desc(oauthApps.id))
    .limit(limit);
}

/**
 * The row's metadata has `key` with a value equal to `value`, type-aware:
 * true, 1 and "1" differ. Metadata is stored canonical (keys sorted at every
 * depth), so nested objects and arrays compare as canonical JSON text.
 */
function metadataHolds(key: string, value: unknown): SQL {
  const entry = sql`SELECT 1 FROM json_each(${oauthApps.metadata}) AS m WHERE m.key = ${key}`;
  let match: SQL;
  if (value === null) match = sql`m.type = 'null'`;
  else if (value === true) match = sql`m.type = 'true'`;
  else if (value === false) match = sql`m.type = 'false'`;
  else if (typeof value === 'number') match = sql`m.type IN ('integer', 'real') AND m.value = ${value}`;
  else if (typeof value === 'string') match = sql`m.type = 'text' AND m.value = ${value}`;
  else if (Array.isArray(value)) match = sql`m.type = 'array' AND m.value = ${canonicalJson(value)}`;
  else match = sql`m.type = 'object' AND m.value = ${canonicalJson(value)}`;
  return sql`EXISTS (${entry} AND ${match})`;
}

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
