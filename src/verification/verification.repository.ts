// The verification columns of an account's oauth_apps rows and the account's
// outbound budget: claiming a verification (the per-app minute and the
// per-account hour, in one batch, before anything is sent) and recording its
// verdict with its event (in one batch, after).
import { and, asc, eq, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { healthChangedEvent, type Actor, type NewAuditEvent } from '../audit/audit-events';
import { auditStatements } from '../audit/audit.repository';
import type { Database, Statement } from '../db/client';
import { accounts, oauthApps, type OAuthAppRow } from '../db/schema';
import type { HealthRules } from '../oauth-apps/health';
import { oauthAppExists, ownApp } from '../oauth-apps/oauth-apps.repository';
import { healthChangeOf, withShownHealth } from '../oauth-apps/oauth-apps.service';
import type { ProbeResult } from './probe';

/** At most one verification a minute per app through the endpoint. */
export const APP_INTERVAL_MS = 60_000;

/** The hour a budget counts, e.g. "2026-12-01T17" (UTC). */
export const budgetWindow = (now: Date) => now.toISOString().slice(0, 13);

export type Claim = { claimed: true } | { claimed: false; retryAfterSeconds: number; limit: 'app' | 'account' } | { claimed: false; gone: true };

/**
 * Takes the app's verification slot and one unit of the account's hourly
 * budget, both or neither: the slot's update is guarded by the budget having
 * room, the budget's by the slot now holding this claim's time. (Two claims
 * of one app in the same millisecond could count the budget twice: it errs
 * towards fewer outbound requests, never more.)
 */
export async function claimVerification(db: Database, row: Pick<OAuthAppRow, 'accountId' | 'id'>, perHour: number, now: Date): Promise<Claim> {
  const at = now.toISOString();
  const window = budgetWindow(now);
  const slotFree = or(isNull(oauthApps.verificationStartedAt), lte(oauthApps.verificationStartedAt, new Date(now.getTime() - APP_INTERVAL_MS).toISOString()));
  const budgetRoom = sql`NOT EXISTS (SELECT 1 FROM ${accounts} WHERE ${and(
    eq(accounts.id, row.accountId),
    eq(accounts.verificationWindow, window),
    sql`${accounts.verificationCount} >= ${perHour}`,
  )})`;
  const claimed = sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${and(ownApp(row.accountId, row.id), eq(oauthApps.verificationStartedAt, at))})`;
  if (perHour > 0) {
    const [slot] = await db.batch([
      db
        .update(oauthApps)
        .set({ verificationStartedAt: at, verificationAttemptedAt: at })
        .where(and(ownApp(row.accountId, row.id), slotFree, budgetRoom))
        .returning({ id: oauthApps.id }),
      db
        .update(accounts)
        .set({
          verificationCount: sql`CASE WHEN ${accounts.verificationWindow} = ${window} THEN ${accounts.verificationCount} + 1 ELSE 1 END`,
          verificationWindow: window,
        })
        .where(and(eq(accounts.id, row.accountId), claimed)),
    ]);
    if ((slot as unknown[]).length > 0) return { claimed: true };
  }
  // Refused: say which limit, and for how long.
  const [current] = await db
    .select({ startedAt: oauthApps.verificationStartedAt })
    .from(oauthApps)
    .where(ownApp(row.accountId, row.id))
    .limit(1);
  if (!current) return { claimed: false, gone: true };
  const since = current.startedAt === null ? Infinity : now.getTime() - new Date(current.startedAt).getTime();
  if (since < APP_INTERVAL_MS) return { claimed: false, limit: 'app', retryAfterSeconds: Math.max(1, Math.ceil((APP_INTERVAL_MS - since) / 1000)) };
  const nextHour = new Date(`${window}:00:00.000Z`).getTime() + 3_600_000;
  return { claimed: false, limit: 'account', retryAfterSeconds: Math.max(1, Math.ceil((nextHour - now.getTime()) / 1000)) };
}

/**
 * One unit of the account's hourly budget, for a verification with no app
 * slot (a save with verify=true: the app is not written yet, or is being
 * replaced). The seconds until the next hour when none is left.
 */
export async function claimAccountBudget(db: Database, accountId: string, perHour: number, now: Date): Promise<{ claimed: true } | { claimed: false; retryAfterSeconds: number }> {
  const window = budgetWindow(now);
  if (perHour > 0) {
    const claimed = await db
      .update(accounts)
      .set({
        verificationCount: sql`CASE WHEN ${accounts.verificationWindow} = ${window} THEN ${accounts.verificationCount} + 1 ELSE 1 END`,
        verificationWindow: window,
      })
      .where(and(eq(accounts.id, accountId), sql`NOT (${accounts.verificationWindow} IS ${window} AND ${accounts.verificationCount} >= ${perHour})`))
      .returning({ id: accounts.id });
    if (claimed.length > 0) return { claimed: true };
  }
  const nextHour = new Date(`${window}:00:00.000Z`).getTime() + 3_600_000;
  return { claimed: false, retryAfterSeconds: Math.max(1, Math.ceil((nextHour - now.getTime()) / 1000)) };
}

/**
 * The scheduled verification's claim: up to `limit` verified apps whose last
 * attempt started at or before `cutoff`, the longest unasked first (on the
 * partial index oauth_apps_verification_due_idx), marked as attempted now in
 * the same statement, so two runs never take the same app. Across accounts:
 * the oldest attempts go first, whoever holds them. The per-app minute
 * (verification_started_at) and the account's budget are the endpoint's and
 * are left alone.
 */
export function claimDueVerifications(db: Database, cutoff: Date, limit: number, now: Date) {
  return db
    .update(oauthApps)
    .set({ verificationAttemptedAt: now.toISOString() })
    .where(inArray(oauthApps.id, dueVerifications(db, cutoff, limit)))
    .returning();
}

/** The ids the claim takes (a query builder: tests read its plan). */
export function dueVerifications(db: Database, cutoff: Date, limit: number) {
  return db
    .select({ id: oauthApps.id })
    .from(oauthApps)
    .where(and(isNotNull(oauthApps.verificationStatus), lte(oauthApps.verificationAttemptedAt, cutoff.toISOString())))
    .orderBy(asc(oauthApps.verificationAttemptedAt))
    .limit(limit);
}

/** The verification columns of a verdict, as stored. */
export function verdictColumns(result: ProbeResult, at: string) {
  return {
    verificationStatus: result.status,
    verificationTime: at,
    verificationProviderError: result.providerError ?? null,
    verificationReason: result.status === 'inconclusive' ? result.reason : null,
  };
}

/** The oauth_app.verified event of a verdict. */
export function verifiedEvent(row: Pick<OAuthAppRow, 'accountId' | 'id'>, result: ProbeResult): NewAuditEvent {
  return {
    accountId: row.accountId,
    appIds: [row.id],
    action: 'oauth_app.verified',
    details: {
      verdict: result.status,
      ...(result.providerError === undefined ? {} : { provider_error: result.providerError }),
      ...(result.status === 'inconclusive' ? { reason: result.reason } : {}),
    },
  };
}

/**
 * The verdict and its events, in one batch. The verdict is stored only if the
 * app still is as probed: the same secret and settings (a new one cleared the
 * verdict, and this one is not about it), and the same expiry and announced
 * status (what the health change was judged against); an inconclusive result
 * never replaces a valid or invalid verdict. The oauth_app.verified event
 * records every attempt whose app still exists; oauth_app.health_changed
 * comes with a stored verdict that moves the shown status. The stored verdict
 * bumps the version (the answer changes). `alongside` commits first (custody's
 * verdict on a secret that did not open; the row is judged as it leaves it:
 * `custody`). The row as stored, or undefined when the verdict was not.
 */
export async function recordVerification(
  db: Database,
  probed: OAuthAppRow,
  result: ProbeResult,
  actor: Actor,
  now: Date,
  rules: HealthRules,
  alongside: Statement[] = [],
  custody: Partial<OAuthAppRow> = {},
): Promise<OAuthAppRow | undefined> {
  const at = now.toISOString();
  const same: SQL = and(
    ownApp(probed.accountId, probed.id),
    eq(oauthApps.clientSecretGeneration, probed.clientSecretGeneration),
    eq(oauthApps.providerSettings, probed.providerSettings),
    sql`${oauthApps.clientSecretExpiresAt} IS ${probed.clientSecretExpiresAt}`,
  )!;
  const replaceable =
    result.status === 'inconclusive' ? or(isNull(oauthApps.verificationStatus), eq(oauthApps.verificationStatus, 'inconclusive')) : undefined;
  const before = { ...probed, ...custody };
  const after = withShownHealth({ ...before, ...verdictColumns(result, at) }, rules);
  const applies = and(same, replaceable, eq(oauthApps.healthAnnounced, before.healthAnnounced))!;
  const { healthChange } = healthChangeOf(before, after);
  const statements: Statement[] = [
    ...alongside,
    ...auditStatements(db, verifiedEvent(probed, result), actor, now, oauthAppExists(probed.accountId, probed.id)),
    ...(healthChange
      ? auditStatements(db, healthChangedEvent(probed.accountId, probed.id, healthChange), actor, now, sql`EXISTS (SELECT 1 FROM ${oauthApps} WHERE ${applies})`)
      : []),
    db
      .update(oauthApps)
      .set({
        ...verdictColumns(result, at),
        expiryStage: after.expiryStage,
        healthAnnounced: after.healthAnnounced,
        version: sql`${oauthApps.version} + 1`,
      })
      .where(applies)
      .returning(),
  ];
  const results = await db.batch(statements as [Statement, ...Statement[]]);
  return (results[statements.length - 1] as OAuthAppRow[])[0];
}
