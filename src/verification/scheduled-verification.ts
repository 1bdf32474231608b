// The scheduled run's verification: apps verified before whose last attempt
// is older than VERIFICATION_MAX_AGE_HOURS are asked again, so a secret
// revoked or expired at the provider turns health error without anyone
// asking. Bounded per run: SCHEDULED_VERIFICATIONS_PER_RUN apps (one outbound
// request each; a Worker invocation has 50 subrequests on the free plan,
// 10,000 on paid), SCHEDULED_VERIFICATION_CONCURRENCY in flight at once
// (a Worker has 6 connections). The claim marks each app attempted in the
// statement that picks it; the endpoint's per-app minute and the account's
// hourly budget are the customer's and are not touched.
import type { Actor } from '../audit/audit-events';
import type { AppConfig } from '../config/app-config';
import type { Keyring } from '../crypto/keyring';
import type { Database } from '../db/client';
import type { OAuthAppRow } from '../db/schema';
import { healthRules } from '../oauth-apps/health';
import { openClientSecret } from '../oauth-apps/oauth-apps.service';
import { probeSecret } from './probe';
import { tokenEndpointOf, type ProviderSettings } from './token-endpoint';
import { claimDueVerifications, recordVerification } from './verification.repository';

/** Outbound requests in flight at once, at most (under a Worker's 6 simultaneous connections, with one to spare for storage). */
export const SCHEDULED_VERIFICATION_CONCURRENCY = 4;
const HOUR_MS = 3_600_000;

export interface ScheduledVerification {
  /** Apps claimed (their attempt time moved to now). */
  claimed: number;
  /** Of those, asked (one outbound request each). */
  probed: number;
  /** Claimed but not asked: the provider can no longer be probed, or settings are missing (the endpoint says why). */
  skipped: number;
}

/** Runs `work` over `items`, at most `concurrency` at a time. */
async function pooled<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export async function verifyDueApps(db: Database, keyring: Keyring, config: AppConfig, run: Actor, now: Date): Promise<ScheduledVerification> {
  const outcome: ScheduledVerification = { claimed: 0, probed: 0, skipped: 0 };
  const perRun = config.scheduledVerificationsPerRun;
  if (config.verificationMaxAgeHours === 0 || perRun === 0) return outcome;
  const cutoff = new Date(now.getTime() - config.verificationMaxAgeHours * HOUR_MS);
  const rows: OAuthAppRow[] = await claimDueVerifications(db, cutoff, perRun, now);
  outcome.claimed = rows.length;
  await pooled(rows, SCHEDULED_VERIFICATION_CONCURRENCY, async (row) => {
    const endpoint = tokenEndpointOf(row.provider, JSON.parse(row.providerSettings) as ProviderSettings, config.providerTokenUrls);
    if (!('url' in endpoint)) {
      outcome.skipped += 1;
      return;
    }
    outcome.probed += 1;
    const opened = await openClientSecret(keyring, row);
    const plaintext = 'plaintext' in opened ? opened.plaintext : undefined;
    const result = await probeSecret(endpoint, row.clientId, plaintext, config.verificationTimeoutSeconds);
    await recordVerification(db, row, result, run, now, healthRules(keyring, config.secretExpiryWarningDays, now));
  });
  return outcome;
}
