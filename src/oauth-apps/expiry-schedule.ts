// The scheduled run's half of secret expiry: health reads an expiry against
// the clock on every request, but a crossing (into the warning, past the
// time) changes nothing stored by itself. Each run stages the crossings since
// the last one (expiry_stage, which the health filter's indexes read) and
// announces each moved status with an oauth_app.health_changed event, in
// bounded batches, the earliest crossing first, across accounts. Every row a
// batch reads needs a change: its partial index holds only unstaged expiries
// and staged warnings.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { healthChangedEventStatements } from '../audit/audit.repository';
import type { Actor } from '../audit/audit-events';
import type { Database, Statement } from '../db/client';
import { oauthApps, type OAuthAppRow } from '../db/schema';
import { announced, fromJson } from '../keys/custody.repository';
import { expiryStageOf, type HealthRules } from './health';
import { UNSTAGED, WARNED } from './oauth-apps.repository';
import { announceOf, movedAnnouncements } from './oauth-apps.service';

/** Rows a batch stages (one UPDATE and two event statements, whatever the count). */
export const EXPIRY_BATCH = 100;
/** Batches a run: 1,000 crossings a run at most, 96,000 a day at the Worker's 96 runs. */
export const MAX_EXPIRY_BATCHES = 10;

/**
 * The three reads of a batch, as query builders (tests read their plans):
 * unstaged rows within the warning, warned rows past the time, warned rows no
 * longer within the warning (the setting shrank). Each on a partial index of
 * only such rows, in expiry order.
 */
export function stagingQueries(db: Database, rules: HealthRules, limit: number) {
  const now = rules.now.toISOString();
  const soon = new Date(rules.now.getTime() + rules.expiryWarningMs).toISOString();
  const expires = oauthApps.clientSecretExpiresAt;
  return {
    unstaged: db.select().from(oauthApps).where(and(UNSTAGED, sql`${expires} <= ${soon}`)).orderBy(asc(expires)).limit(limit),
    passed: db.select().from(oauthApps).where(and(WARNED, sql`${expires} <= ${now}`)).orderBy(asc(expires)).limit(limit),
    unwarned: db.select().from(oauthApps).where(and(WARNED, sql`${expires} > ${soon}`)).orderBy(desc(expires)).limit(limit),
  };
}

/** The next rows whose stored stage is behind (or, after the warning setting shrank, ahead of) the clock. */
async function rowsToStage(db: Database, rules: HealthRules, limit: number): Promise<OAuthAppRow[]> {
  const rows: OAuthAppRow[] = [];
  for (const read of ['unstaged', 'passed', 'unwarned'] as const) {
    if (rows.length >= limit) break;
    rows.push(...(await stagingQueries(db, rules, limit - rows.length)[read]));
  }
  return rows;
}

/** Stages one batch; how many rows it read (a short batch means the run is done). */
async function stageBatch(db: Database, rules: HealthRules, run: Actor, limit: number): Promise<{ read: number; announced: number }> {
  const rows = await rowsToStage(db, rules, limit);
  if (rows.length === 0) return { read: 0, announced: 0 };
  const judged = rows.map((row) => ({ row, stage: expiryStageOf(row.clientSecretExpiresAt, rules), announce: announceOf(row, {}, rules) }));
  const item = fromJson(
    judged.map(({ row, stage, announce }) => ({
      id: row.id,
      c: row.clientSecretCiphertext,
      e: row.clientSecretExpiresAt!,
      o: row.expiryStage ?? '',
      s: stage ?? '',
      f: announce.from,
      a: announce.to,
    })),
  );
  const moved = movedAnnouncements(judged);
  const statements: Statement[] = [
    // First: each event checks the row as judged (its ciphertext, expiry and announced status).
    ...healthChangedEventStatements(db, moved, run, rules.now),
    db
      .update(oauthApps)
      .set({ expiryStage: sql`nullif(${item('s')}, '')`, healthAnnounced: announced(item) })
      .where(
        and(
          item.listed,
          eq(oauthApps.clientSecretCiphertext, item('c')),
          eq(oauthApps.clientSecretExpiresAt, item('e')),
          sql`coalesce(${oauthApps.expiryStage}, '') = ${item('o')}`,
        ),
      ),
  ];
  await db.batch(statements as [Statement, ...Statement[]]);
  return { read: rows.length, announced: moved.length };
}

/** Stages the crossings due at `rules.now`: at most MAX_EXPIRY_BATCHES × `limit` rows. */
export async function stageExpiries(db: Database, rules: HealthRules, run: Actor, limit = EXPIRY_BATCH): Promise<{ staged: number; announced: number }> {
  const total = { staged: 0, announced: 0 };
  for (let i = 0; i < MAX_EXPIRY_BATCHES; i++) {
    const batch = await stageBatch(db, rules, run, limit);
    total.staged += batch.read;
    total.announced += batch.announced;
    if (batch.read < limit) break;
  }
  return total;
}
