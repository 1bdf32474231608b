// The only code that reads or writes the oauth_apps table. Every query is
// scoped to an account: there is no way to reach a row without one.
//
// Writes take `alongside` statements (an idempotency answer, later an audit
// event) that commit in the same batch, and only if the row is written.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { nothingAlongside as nothing, type Alongside, type Database, type Statement } from '../db/client';
import { oauthApps, type OAuthAppRow } from '../db/schema';
import { canonicalJson } from '../util/canonical-json';

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
  Pick<OAuthAppRow, 'name' | 'clientSecretCiphertext' | 'clientSecretKeyId' | 'metadata' | 'updatedAt'>
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
export async function deleteOAuthApp(db: Database, accountId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(oauthApps)
    .where(ownApp(accountId, id))
    .returning({ id: oauthApps.id });
  return deleted.length > 0;
}

export interface ListFilter {
  provider?: string | undefined;
  healthStatus?: string | undefined;
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
  if (filter.healthStatus !== undefined) conditions.push(eq(oauthApps.healthStatus, filter.healthStatus));
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
