// The verification columns of an account's oauth_apps rows and the account's
// outbound budget: claiming a verification (the per-app minute and the
// per-account hour, in one batch, before anything is sent) and recording its
// verdict with its event (in one batch, after).
import { and, eq, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Actor, NewAuditEvent } from '../audit/audit-events';
import { auditStatements } from '../audit/audit.repository';
import type { Database, Statement } from '../db/client';
import { accounts, oauthApps, type OAuthAppRow } from '../db/schema';
import { oauthAppExists, ownApp } from '../oauth-apps/oauth-apps.repository';
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
        .set({ verificationStartedAt: at })
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

/** What was verified: the row as read before the probe (its secret generation and settings). */
export type Probed = Pick<OAuthAppRow, 'accountId' | 'id' | 'clientSecretGeneration' | 'providerSettings'>;

/**
 * The verdict and its event, in one batch. The verdict is stored only if the
 * app still has the secret and settings that were probed (a new one cleared
 * the verdict, and this one is not about it), and an inconclusive result never
 * replaces a valid or invalid verdict. The event records every attempt whose
 * app still exists. The stored verdict bumps the version (the answer changes).
 * `alongside` commits with them (custody's verdict on a secret that did not
 * open). The row as stored, or undefined when the verdict was not.
 */
export async function recordVerification(
  db: Database,
  probed: Probed,
  result: ProbeResult,
  actor: Actor,
  now: Date,
  alongside: Statement[] = [],
): Promise<OAuthAppRow | undefined> {
  const at = now.toISOString();
  const same: SQL = and(
    ownApp(probed.accountId, probed.id),
    eq(oauthApps.clientSecretGeneration, probed.clientSecretGeneration),
    eq(oauthApps.providerSettings, probed.providerSettings),
  )!;
  const replaceable =
    result.status === 'inconclusive' ? or(isNull(oauthApps.verificationStatus), eq(oauthApps.verificationStatus, 'inconclusive')) : undefined;
  const event: NewAuditEvent = {
    accountId: probed.accountId,
    appIds: [probed.id],
    action: 'oauth_app.verified',
    details: {
      verdict: result.status,
      ...(result.providerError === undefined ? {} : { provider_error: result.providerError }),
      ...(result.status === 'inconclusive' ? { reason: result.reason } : {}),
    },
  };
  const statements: Statement[] = [
    ...alongside,
    ...auditStatements(db, event, actor, now, oauthAppExists(probed.accountId, probed.id)),
    db
      .update(oauthApps)
      .set({
        verificationStatus: result.status,
        verificationTime: at,
        verificationProviderError: result.providerError ?? null,
        verificationReason: result.status === 'inconclusive' ? result.reason : null,
        version: sql`${oauthApps.version} + 1`,
      })
      .where(and(same, replaceable))
      .returning(),
  ];
  const results = await db.batch(statements as [Statement, ...Statement[]]);
  return (results[statements.length - 1] as OAuthAppRow[])[0];
}
