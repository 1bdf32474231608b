// The only code that reads or writes the audit_events table. Events are
// written as statements for the caller's batch, so an event commits exactly
// when its change does.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/client';
import { auditEvents, oauthApps } from '../db/schema';
import type { Actor, AuditAction, NewAuditEvent } from './audit-events';

const newEventId = () => `evt_${crypto.randomUUID().replaceAll('-', '')}`;

// Inserts are INSERT ... SELECT, written as drizzle insert builders (drizzle's
// D1 batch cannot bind a raw statement's parameters). The select lists every
// column in table order; seq is NULL, which SQLite numbers.
const insertEvents = (db: Database, select: SQL): Statement => db.insert(auditEvents).select(select);

/** One event, written only if `guard` holds (the change it records applies). */
export function auditStatement(db: Database, event: NewAuditEvent, actor: Actor, now: Date, guard: SQL = sql`1`): Statement {
  return insertEvents(db, sql`SELECT NULL, ${newEventId()}, ${event.accountId}, ${event.appId}, ${event.action}, ${JSON.stringify(event.details ?? {})},
      ${actor.tokenId}, ${actor.requestId}, ${now.toISOString()}
    WHERE ${guard}`);
}

/**
 * Many events of one action in one statement (a page of revealed secrets):
 * one JSON parameter, whatever the count, so D1's limits on bound parameters
 * and queries per request are never near.
 */
export function auditManyStatement(
  db: Database,
  action: AuditAction,
  events: { accountId: string; appId: string }[],
  actor: Actor,
  now: Date,
): Statement {
  const rows = JSON.stringify(events.map((e) => ({ id: newEventId(), a: e.accountId, app: e.appId })));
  return insertEvents(db, sql`SELECT NULL, json_extract(value, '$.id'), json_extract(value, '$.a'), json_extract(value, '$.app'), ${action}, '{}',
      ${actor.tokenId}, ${actor.requestId}, ${now.toISOString()}
    FROM json_each(${rows})`);
}

/**
 * The re-encryption events of a batch of ciphertext swaps, for the swaps that
 * applied: run after the swap, it finds exactly the rows now holding their new
 * ciphertext (each one fresh and random).
 */
export function reencryptionEventsStatement(
  db: Database,
  swaps: { id: string; fromKeyId: string; toKeyId: string; ciphertext: string }[],
  actor: Actor,
  now: Date,
): Statement {
  const rows = JSON.stringify(
    swaps.map((s) => ({
      id: newEventId(),
      app: s.id,
      c: s.ciphertext,
      d: JSON.stringify({ from_key_id: s.fromKeyId, key_id: s.toKeyId }),
    })),
  );
  return insertEvents(db, sql`SELECT NULL, json_extract(j.value, '$.id'), a.account_id, a.id, ${'oauth_app.secret_reencrypted'}, json_extract(j.value, '$.d'),
      ${actor.tokenId}, ${actor.requestId}, ${now.toISOString()}
    FROM json_each(${rows}) AS j
    JOIN ${oauthApps} AS a ON a.id = json_extract(j.value, '$.app') AND a.client_secret_ciphertext = json_extract(j.value, '$.c')`);
}

export interface AuditFilter {
  appId?: string | undefined;
  action?: string | undefined;
}

/**
 * One page of an account's events, newest first, strictly before the event
 * `afterId` (keyset on the (account, [app | action,] seq) indexes). An unknown
 * cursor yields no rows.
 */
export function listAuditEvents(db: Database, accountId: string, filter: AuditFilter, afterId: string | undefined, limit: number) {
  const conditions: SQL[] = [eq(auditEvents.accountId, accountId)];
  if (filter.appId !== undefined) conditions.push(eq(auditEvents.appId, filter.appId));
  if (filter.action !== undefined) conditions.push(eq(auditEvents.action, filter.action));
  if (afterId !== undefined) {
    conditions.push(
      sql`${auditEvents.seq} < (SELECT seq FROM ${auditEvents} WHERE ${and(eq(auditEvents.accountId, accountId), eq(auditEvents.id, afterId))})`,
    );
  }
  return db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.seq))
    .limit(limit);
}

export async function auditEventExists(db: Database, accountId: string, id: string): Promise<boolean> {
  const rows = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.accountId, accountId), eq(auditEvents.id, id)))
    .limit(1);
  return rows.length > 0;
}
