// Key custody's queries: work across accounts on the oauth_apps table's
// secret columns, for the scheduled jobs, operators and reveals (verdicts).
// Never a plaintext: ciphertexts, key ids, generations and verdicts.
import { and, asc, count, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/client';
import { oauthApps, type OAuthAppRow } from '../db/schema';
import { VERDICT, type HealthChange } from '../oauth-apps/health';

/** A decryption's outcome, to be stored as the row's verdict if its secret is still `ciphertext`. */
export interface Verdict {
  id: string;
  ciphertext: string;
  status: keyof typeof VERDICT;
  notes: string[];
  announce: HealthChange;
}

/** The announced status moves to `to` only from the `from` it was judged against (else another write announced since). */
export const announced = (item: ReturnType<typeof fromJson>) =>
  sql`CASE WHEN ${oauthApps.healthAnnounced} = ${item('f')} THEN ${item('a')} ELSE ${oauthApps.healthAnnounced} END`;

/**
 * Stores verdicts in one statement (one JSON parameter, whatever the count),
 * each only if the row still holds the ciphertext that was judged: a secret
 * replaced meanwhile keeps the verdict its writer gave it.
 */
export function recordVerdictsStatement(db: Database, verdicts: Verdict[], now: Date): Statement {
  const item = fromJson(
    verdicts.map((v) => ({ id: v.id, c: v.ciphertext, s: v.status, n: JSON.stringify(v.notes), f: v.announce.from, a: v.announce.to })),
  );
  return db
    .update(oauthApps)
    .set({ healthStatus: item('s'), healthNotes: item('n'), healthTime: now.toISOString(), healthAnnounced: announced(item) })
    .where(and(item.listed, eq(oauthApps.clientSecretCiphertext, item('c'))));
}

/**
 * Per-row values for one UPDATE, from one JSON parameter (D1 binds at most
 * 100 parameters a statement): item(f) is this row's entry's field f, and
 * item.listed says the row has an entry. drizzle's own update builder keeps
 * it batchable on D1.
 */
export function fromJson(entries: ({ id: string } & Record<string, string | number>)[]) {
  const json = JSON.stringify(entries);
  // Qualified: json_each has an "id" column of its own.
  const rowId = sql.raw('"oauth_apps"."id"');
  const item = (field: string): SQL =>
    sql`(SELECT json_extract(value, ${`$.${field}`}) FROM json_each(${json}) WHERE json_extract(value, '$.id') = ${rowId})`;
  item.listed = sql`${rowId} IN (SELECT json_extract(value, '$.id') FROM json_each(${json}))`;
  return item;
}

/** A row's secret sealed afresh (another key, or from generation 0 to 1): the new ciphertext replaces `from` only if the row still holds it. */
export interface CiphertextSwap {
  id: string;
  fromCiphertext: string;
  fromKeyId: string;
  ciphertext: string;
  toKeyId: string;
  /** The generation the new ciphertext is sealed at: the row's, or 1 for a row at 0. */
  generation: number;
  announce: HealthChange;
}

/**
 * Compare-and-swap of ciphertexts in one statement: a row whose secret was
 * replaced since it was read (a PATCH) keeps the new secret. The version and
 * updated_at stay: the app's content is unchanged, and a client's If-Match
 * must stay valid. The secret decrypted, so its verdict is ok, now.
 */
export function swapCiphertextsStatement(db: Database, swaps: CiphertextSwap[], now: Date) {
  const item = fromJson(
    swaps.map((s) => ({ id: s.id, o: s.fromCiphertext, c: s.ciphertext, k: s.toKeyId, g: s.generation, f: s.announce.from, a: s.announce.to })),
  );
  // RETURNING: the batch's result for this statement lists the rows swapped.
  return db
    .update(oauthApps)
    .set({
      clientSecretCiphertext: item('c'),
      clientSecretKeyId: item('k'),
      clientSecretGeneration: item('g'),
      healthStatus: VERDICT.ok,
      healthNotes: '[]',
      healthTime: now.toISOString(),
      healthAnnounced: announced(item),
    })
    .where(and(item.listed, eq(oauthApps.clientSecretCiphertext, item('o'))))
    .returning({ id: oauthApps.id });
}

// Rows sealed before generations (generation 0), on their partial index
// (oauth_apps_generation_zero_idx): the literal is what lets SQLite use it.
const generationZero = sql`${oauthApps.clientSecretGeneration} = 0`;
const healthy = eq(oauthApps.healthStatus, VERDICT.ok);
/** Healthy rows under one of `keyIds` (older keys the keyring still has), on the key/health/time index. */
const underOlderKeys = (keyIds: string[]) => and(inArray(oauthApps.clientSecretKeyId, keyIds), healthy)!;
/** Healthy rows at generation 0 under the primary key, on the partial index. */
const generationZeroUnder = (primaryId: string) => and(generationZero, eq(oauthApps.clientSecretKeyId, primaryId), healthy)!;

/** Rows to seal afresh: under an older key of the keyring, or at generation 0 under `primaryId`; verdict ok. */
function toResealCondition(keyIds: string[], primaryId: string): SQL {
  return keyIds.length === 0 ? generationZeroUnder(primaryId) : or(underOlderKeys(keyIds), generationZeroUnder(primaryId))!;
}

/**
 * Up to `limit` rows to seal afresh (toResealCondition): those under older
 * keys first, then those at generation 0, each on its index.
 */
export async function rowsToReseal(db: Database, keyIds: string[], primaryId: string, limit: number): Promise<OAuthAppRow[]> {
  const older = keyIds.length === 0 ? [] : await db.select().from(oauthApps).where(underOlderKeys(keyIds)).limit(limit);
  if (older.length >= limit) return older;
  return [...older, ...(await generationZeroRows(db, primaryId, limit - older.length))];
}

/** Healthy rows under `primaryId` at generation 0, on the partial index (a query builder: tests read its plan). */
export function generationZeroRows(db: Database, primaryId: string, limit: number) {
  return db.select().from(oauthApps).where(generationZeroUnder(primaryId)).limit(limit);
}

/** How many rows are left to seal afresh (toResealCondition). */
export async function countToReseal(db: Database, keyIds: string[], primaryId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(oauthApps).where(toResealCondition(keyIds, primaryId));
  return row?.n ?? 0;
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

/** How many secrets each key id protects, how many of those have an error verdict, and how many are at generation 0. */
export async function secretsPerKey(db: Database): Promise<Map<string, { secrets: number; errors: number; generationZero: number }>> {
  const [rows, legacy] = await Promise.all([
    db
      .select({ keyId: oauthApps.clientSecretKeyId, status: oauthApps.healthStatus, n: count() })
      .from(oauthApps)
      .groupBy(oauthApps.clientSecretKeyId, oauthApps.healthStatus),
    db
      .select({ keyId: oauthApps.clientSecretKeyId, n: count() })
      .from(oauthApps)
      .where(and(generationZero, healthy))
      .groupBy(oauthApps.clientSecretKeyId),
  ]);
  const out = new Map<string, { secrets: number; errors: number; generationZero: number }>();
  for (const { keyId, status, n } of rows) {
    const entry = out.get(keyId) ?? { secrets: 0, errors: 0, generationZero: 0 };
    entry.secrets += n;
    if (status === VERDICT.error) entry.errors += n;
    out.set(keyId, entry);
  }
  for (const { keyId, n } of legacy) {
    const entry = out.get(keyId);
    if (entry) entry.generationZero = n;
  }
  return out;
}
