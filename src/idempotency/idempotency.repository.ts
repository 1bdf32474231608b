// The only code that reads or writes the idempotency_keys table.
import { and, eq, lte, sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/client';
import type { Prebuildable } from '../db/prebuilt';
import { idempotencyKeys, type IdempotencyKeyRow } from '../db/schema';

/** A type, not an interface: it is also a prebuilt batch's group of values (src/db/prebuilt.ts). */
export type Reservation = {
  accountId: string;
  key: string;
  reservationId: string;
};

export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Claims the key for this request: inserts a pending reservation, or takes
 * over a record that has expired or whose holder's lease lapsed (a request
 * that died). Returns the reservation, or the record that holds the key.
 */
export async function reserveKey(
  db: Database,
  fields: { accountId: string; key: string; fingerprint: string; now: Date; leaseMs: number; ttlMs: number },
  attempts = 3,
): Promise<{ reserved: Reservation } | { existing: IdempotencyKeyRow }> {
  const reservationId = crypto.randomUUID();
  const now = fields.now.toISOString();
  const row = {
    accountId: fields.accountId,
    key: fields.key,
    fingerprint: fields.fingerprint,
    reservationId,
    state: 'pending',
    leaseExpiresAt: new Date(fields.now.getTime() + fields.leaseMs).toISOString(),
    responseStatus: null,
    responseHeaders: null,
    responseBody: null,
    createdAt: now,
    expiresAt: new Date(fields.now.getTime() + fields.ttlMs).toISOString(),
  };
  const { accountId: _a, key: _k, ...takeover } = row;
  const claimed = await db
    .insert(idempotencyKeys)
    .values(row)
    .onConflictDoUpdate({
      target: [idempotencyKeys.accountId, idempotencyKeys.key],
      set: takeover,
      setWhere: sql`${idempotencyKeys.expiresAt} <= ${now} OR (${idempotencyKeys.state} = 'pending' AND ${idempotencyKeys.leaseExpiresAt} <= ${now})`,
    })
    .returning({ reservationId: idempotencyKeys.reservationId });
  if (claimed[0]?.reservationId === reservationId) {
    return { reserved: { accountId: fields.accountId, key: fields.key, reservationId } };
  }
  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.accountId, fields.accountId), eq(idempotencyKeys.key, fields.key)))
    .limit(1);
  if (existing) return { existing };
  // Released between the two statements: try again, a bounded number of times.
  if (attempts <= 1) throw new Error('idempotency key kept changing hands while being reserved');
  return reserveKey(db, fields, attempts - 1);
}

/** An answer as stored (its headers as JSON text). */
export type AnswerValues = { status: number; headers: string; body: string };

export const answerValues = (answer: StoredAnswer): AnswerValues => ({ status: answer.status, headers: JSON.stringify(answer.headers), body: answer.body });

/**
 * The statement that stores the answer, if `guard` holds; for a write's
 * batch. The values may be placeholders (a prebuilt batch, src/db/prebuilt.ts).
 */
export function storeAnswerStatement(
  db: Database,
  reservation: Prebuildable<Reservation>,
  answer: Prebuildable<AnswerValues>,
  guard: SQL = sql`1`,
): Statement {
  return db
    .update(idempotencyKeys)
    // As SQL: drizzle's set() types take no placeholders (it binds them all the same).
    .set({ state: 'complete', responseStatus: sql`${answer.status}`, responseHeaders: sql`${answer.headers}`, responseBody: sql`${answer.body}` })
    .where(and(ownedBy(reservation), guard));
}

/** storeAnswerStatement, from the answer itself. */
export function completeStatement(db: Database, reservation: Reservation, answer: StoredAnswer, guard: SQL = sql`1`): Statement {
  return storeAnswerStatement(db, reservation, answerValues(answer), guard);
}

export async function completeKey(db: Database, reservation: Reservation, answer: StoredAnswer): Promise<void> {
  await completeStatement(db, reservation, answer);
}

/** Gives the key back (the request failed without an answer worth keeping). */
export async function releaseKey(db: Database, reservation: Reservation): Promise<void> {
  await db.delete(idempotencyKeys).where(and(ownedBy(reservation), eq(idempotencyKeys.state, 'pending')));
}

/** Deletes up to `max` expired records; returns how many. */
export async function purgeExpiredKeys(db: Database, now: Date, max: number): Promise<number> {
  // Bounded, oldest first, on the expires_at index.
  const deleted = await db
    .delete(idempotencyKeys)
    .where(
      sql`(${idempotencyKeys.accountId}, ${idempotencyKeys.key}) IN (SELECT account_id, key FROM ${idempotencyKeys} WHERE ${lte(idempotencyKeys.expiresAt, now.toISOString())} ORDER BY expires_at LIMIT ${max})`,
    )
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}

/** The key is still held by this reservation (pending or complete): no other request has taken it over. */
export function reservationHeldCondition(reservation: Prebuildable<Reservation>): SQL {
  return sql`EXISTS (SELECT 1 FROM ${idempotencyKeys} WHERE ${ownedBy(reservation)})`;
}

export async function reservationHeld(db: Database, reservation: Reservation): Promise<boolean> {
  const rows = await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(ownedBy(reservation)).limit(1);
  return rows.length > 0;
}

function ownedBy(reservation: Prebuildable<Reservation>): SQL {
  return and(
    eq(idempotencyKeys.accountId, reservation.accountId),
    eq(idempotencyKeys.key, reservation.key),
    eq(idempotencyKeys.reservationId, reservation.reservationId),
  )!;
}
