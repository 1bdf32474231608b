// The only code that reads or writes the audit trail (audit_events and the
// apps each event names, audit_event_apps). Events are written as statements
// for the caller's batch, so an event commits exactly when what it records does.
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/client';
import type { Prebuildable } from '../db/prebuilt';
import { auditEventApps, auditEvents, oauthApps } from '../db/schema';
import { newId } from '../util/ids';
import type { Actor, AuditDetails, NewAuditEvent } from './audit-events';

// Inserts are INSERT ... SELECT, written as drizzle insert builders (drizzle's
// D1 batch cannot bind a raw statement's parameters). The select lists every
// column in table order; seq is NULL, which SQLite numbers. Each event's
// audit_event_apps rows (one per app in app_ids) are written by the insert's
// trigger (migrations/0009_derived_by_triggers.sql): an event that is not
// written gets none.
const insertEvents = (db: Database, select: SQL): Statement => db.insert(auditEvents).select(select);

/** One event's columns as written (its app_ids and details as JSON text). */
export type EventValues = {
  id: string;
  accountId: string;
  appId: string | null;
  appIds: string;
  action: string;
  details: string;
  tokenId: string | null;
  requestId: string;
  createdAt: string;
};

/** The event's columns, under a fresh id. */
export function eventValues(event: NewAuditEvent, actor: Actor, now: Date): EventValues {
  return {
    id: newId('evt'),
    accountId: event.accountId,
    appId: event.appIds.length === 1 ? event.appIds[0]! : null,
    appIds: JSON.stringify(event.appIds),
    action: event.action,
    details: JSON.stringify(event.details ?? {}),
    tokenId: actor.tokenId,
    requestId: actor.requestId,
    createdAt: now.toISOString(),
  };
}

/**
 * One event, written only if `guard` holds (the change it records applies):
 * one statement for the batch (its trigger links its apps). The values may be
 * placeholders (a prebuilt batch, src/db/prebuilt.ts).
 */
export function eventStatements(db: Database, v: Prebuildable<EventValues>, guard: SQL = sql`1`): Statement[] {
  return [
    insertEvents(db, sql`SELECT NULL, ${v.id}, ${v.accountId}, ${v.appId}, ${v.appIds}, ${v.action},
        ${v.details}, ${v.tokenId}, ${v.requestId}, ${v.createdAt}
      WHERE ${guard}`),
  ];
}

/** One event (eventStatements), from what it records. */
export function auditStatements(db: Database, event: NewAuditEvent, actor: Actor, now: Date, guard: SQL = sql`1`): Statement[] {
  return eventStatements(db, eventValues(event, actor, now), guard);
}

/**
 * The re-encryption events of a batch of ciphertext swaps, for the swaps that
 * applied: run after the swap, it finds exactly the rows now holding their new
 * ciphertext (each one fresh and random). One statement, whatever the count.
 */
export function reencryptionEventStatements(
  db: Database,
  swaps: { id: string; fromKeyId: string; toKeyId: string; ciphertext: string }[],
  actor: Actor,
  now: Date,
): Statement[] {
  const events = swaps.map((s) => ({
    id: newId('evt'),
    app: s.id,
    c: s.ciphertext,
    d: JSON.stringify({ from_key_id: s.fromKeyId, key_id: s.toKeyId } satisfies AuditDetails),
  }));
  return [
    insertEvents(db, sql`SELECT NULL, json_extract(j.value, '$.id'), a.account_id, a.id, json_array(a.id), ${'oauth_app.secret_reencrypted'},
        json_extract(j.value, '$.d'), ${actor.tokenId}, ${actor.requestId}, ${now.toISOString()}
      FROM json_each(${JSON.stringify(events)}) AS j
      JOIN ${oauthApps} AS a ON a.id = json_extract(j.value, '$.app') AND a.client_secret_ciphertext = json_extract(j.value, '$.c')`),
  ];
}

/** A row's shown status moving from the one last announced, judged with its secret `ciphertext` (and expiry) as read. */
export interface AnnouncedChange {
  id: string;
  ciphertext: string;
  expiresAt: string | null;
  from: string;
  to: string;
}

/**
 * The oauth_app.health_changed events of a batch of rows, for the rows still
 * as judged: run before the statement that stores `to` as their announced
 * status (under the same condition), each is written only if the row still
 * holds the ciphertext and expiry read and still announces `from`. One
 * statement, whatever the count.
 */
export function healthChangedEventStatements(db: Database, changes: AnnouncedChange[], actor: Actor, now: Date): Statement[] {
  if (changes.length === 0) return [];
  const events = changes.map((c) => ({
    id: newId('evt'),
    app: c.id,
    c: c.ciphertext,
    e: c.expiresAt,
    f: c.from,
    d: JSON.stringify({ previous_status: c.from, status: c.to }),
  }));
  return [
    insertEvents(db, sql`SELECT NULL, json_extract(j.value, '$.id'), a.account_id, a.id, json_array(a.id), ${'oauth_app.health_changed'},
        json_extract(j.value, '$.d'), ${actor.tokenId}, ${actor.requestId}, ${now.toISOString()}
      FROM json_each(${JSON.stringify(events)}) AS j
      JOIN ${oauthApps} AS a ON a.id = json_extract(j.value, '$.app') AND a.client_secret_ciphertext = json_extract(j.value, '$.c')
        AND a.client_secret_expires_at IS json_extract(j.value, '$.e') AND a.health_announced = json_extract(j.value, '$.f')`),
  ];
}

/**
 * An operator's rotation run, in the operator's own account: its run id, the
 * primary key, the secrets that failed to open, and how many it re-encrypted,
 * counted in SQL from the run's events. Last in the run's batch (atomic, so
 * no other write is interleaved), those events are among the newest `swaps`
 * rows of the table: a bounded read.
 */
export function rotationRunStatement(
  db: Database,
  run: { accountId: string; runId: string; primaryKeyId: string; swaps: number; failed: number },
  operator: Actor,
  now: Date,
): Statement {
  const newest = sql`(SELECT request_id FROM ${auditEvents} ORDER BY seq DESC LIMIT ${run.swaps})`;
  const reencrypted = run.swaps === 0 ? sql`0` : sql`(SELECT count(*) FROM ${newest} WHERE request_id = ${run.runId})`;
  return insertEvents(db, sql`SELECT NULL, ${newId('evt')}, ${run.accountId}, NULL, '[]', ${'encryption_keys.rotated'},
      json_object('run_id', ${run.runId}, 'key_id', ${run.primaryKeyId}, 'reencrypted', ${reencrypted}, 'failed', ${run.failed}),
      ${operator.tokenId}, ${operator.requestId}, ${now.toISOString()}`);
}

export interface AuditFilter {
  appId?: string | undefined;
  action?: string | undefined;
}

/**
 * One page of an account's events, newest first, strictly before the event
 * `afterId`: keyset on (account, [action,] seq), or, for one app, on
 * audit_event_apps' (account, app, event_seq) joined to each event by its
 * key. An unknown cursor yields no rows.
 */
export function listAuditEvents(db: Database, accountId: string, filter: AuditFilter, afterId: string | undefined, limit: number) {
  const before =
    afterId === undefined
      ? undefined
      : sql`(SELECT seq FROM ${auditEvents} WHERE ${and(eq(auditEvents.accountId, accountId), eq(auditEvents.id, afterId))})`;
  const action = filter.action === undefined ? undefined : eq(auditEvents.action, filter.action);
  if (filter.appId !== undefined) {
    return db
      .select({ event: auditEvents })
      .from(auditEventApps)
      .innerJoin(auditEvents, eq(auditEvents.seq, auditEventApps.eventSeq))
      .where(
        and(
          eq(auditEventApps.accountId, accountId),
          eq(auditEventApps.appId, filter.appId),
          before === undefined ? undefined : sql`${auditEventApps.eventSeq} < ${before}`,
          action,
        ),
      )
      .orderBy(desc(auditEventApps.eventSeq))
      .limit(limit)
      .then((rows) => rows.map((r) => r.event));
  }
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.accountId, accountId), action, before === undefined ? undefined : sql`${auditEvents.seq} < ${before}`))
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

/**
 * Deletes up to `max` events created before `cutoff`, oldest first (on the
 * created_at index), with their audit_event_apps rows (found by primary key
 * from each event's app_ids, at most a page's 100 each), in one batch;
 * returns how many events.
 */
export async function purgeExpiredEvents(db: Database, cutoff: Date, max: number): Promise<number> {
  const oldest = sql`SELECT * FROM ${auditEvents} WHERE ${lt(auditEvents.createdAt, cutoff.toISOString())} ORDER BY ${auditEvents.createdAt} LIMIT ${max}`;
  const [, deleted] = await db.batch([
    db
      .delete(auditEventApps)
      .where(
        sql`(${auditEventApps.accountId}, ${auditEventApps.appId}, ${auditEventApps.eventSeq}) IN (SELECT e.account_id, a.value, e.seq FROM (${oldest}) AS e, json_each(e.app_ids) AS a)`,
      ),
    db
      .delete(auditEvents)
      .where(sql`${auditEvents.seq} IN (SELECT seq FROM (${oldest}))`)
      .returning({ seq: auditEvents.seq }),
  ]);
  return deleted.length;
}
