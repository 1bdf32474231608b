// Work run on a schedule: the Worker's cron trigger (wrangler.toml [triggers]),
// a timer on the Node server. Each job is bounded, so a run stays short
// however large the tables; a job that fails does not stop the others.
import { runActor } from './audit/audit-events';
import { purgeExpiredEvents } from './audit/audit.repository';
import { loadKeyring } from './crypto/keyring';
import type { Database } from './db/client';
import { appConfigOf, type AppConfig } from './config/app-config';
import type { Bindings } from './env';
import { logEvent } from './http/log';
import { purgeExpiredKeys } from './idempotency/idempotency.repository';
import { rotateBatch, verifyBatch } from './keys/custody';
import { stageExpiries } from './oauth-apps/expiry-schedule';
import { healthRules } from './oauth-apps/health';
import { verifyDueApps } from './verification/scheduled-verification';

const PURGE_BATCH = 500;
const MAX_BATCHES = 20;
/**
 * Expired audit events per batch, and batches per run: 10,000 events a run,
 * ~960,000 a day at the Worker's 96 runs. A batch deletes at most 200 events
 * and their audit_event_apps rows (at most 100 each: a list page's reveal),
 * each found by key.
 */
export const EVENT_PURGE_BATCH = 200;
const MAX_EVENT_BATCHES = 50;
const DAY_MS = 86_400_000;
/** Secrets re-encrypted under the primary key per run (96 runs a day: ~19k a day; keys:rotate goes faster). */
export const SCHEDULED_ROTATION_BATCH = 200;
/** Secrets under the primary key re-checked per run, the longest unchecked first. */
export const SCHEDULED_VERIFY_BATCH = 50;

export interface ScheduledRun {
  idempotencyKeysPurged: number;
  eventsPurged: number;
  reencrypted: number;
  verified: number;
  /** Expiry crossings staged, and health changes they announced. */
  expiriesStaged: number;
  /** Apps the provider was asked about again (VERIFICATION_MAX_AGE_HOURS). */
  providerVerified: number;
}

/** Runs every job with the runtime's settings; throws the first failure after all have had their turn. */
export async function runScheduled(db: Database, env: Bindings, now: Date, config: AppConfig = appConfigOf(env)): Promise<ScheduledRun> {
  const keyringSecret = config.encryptionKeyring;
  const run: ScheduledRun = { idempotencyKeysPurged: 0, eventsPurged: 0, reencrypted: 0, verified: 0, expiriesStaged: 0, providerVerified: 0 };
  // One actor for the run's events in tenants' trails.
  const actor = runActor();
  const failures: unknown[] = [];
  const job = async (name: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      failures.push(err);
      logEvent('scheduled job failed', { job: name, error: err instanceof Error ? err.name : typeof err });
    }
  };
  await job('purge', async () => {
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await purgeExpiredKeys(db, now, PURGE_BATCH);
      run.idempotencyKeysPurged += n;
      if (n < PURGE_BATCH) break;
    }
  });
  await job('retention', async () => {
    const cutoff = new Date(now.getTime() - config.auditRetentionDays * DAY_MS);
    for (let i = 0; i < MAX_EVENT_BATCHES; i++) {
      const n = await purgeExpiredEvents(db, cutoff, EVENT_PURGE_BATCH);
      run.eventsPurged += n;
      if (n < EVENT_PURGE_BATCH) break;
    }
  });
  await job('rotation', async () => {
    const keyring = await loadKeyring(keyringSecret);
    const batch = await rotateBatch(db, keyring, SCHEDULED_ROTATION_BATCH, actor, now, undefined, config.secretExpiryWarningDays);
    run.reencrypted = batch.reencrypted;
    logEvent('scheduled re-encryption', {
      primary_key_id: batch.primaryKeyId,
      reencrypted: batch.reencrypted,
      failed: batch.failed,
      raced: batch.raced,
      remaining: batch.remaining,
    });
  });
  await job('verification', async () => {
    const keyring = await loadKeyring(keyringSecret);
    const swept = await verifyBatch(db, keyring, SCHEDULED_VERIFY_BATCH, now, actor, config.secretExpiryWarningDays);
    run.verified = swept.checked;
    logEvent('scheduled verification', { checked: swept.checked, failed: swept.failed });
  });
  await job('expiry', async () => {
    const keyring = await loadKeyring(keyringSecret);
    const staged = await stageExpiries(db, healthRules(keyring, config.secretExpiryWarningDays, now), actor);
    run.expiriesStaged = staged.staged;
    logEvent('scheduled expiry staging', { staged: staged.staged, announced: staged.announced });
  });
  await job('provider verification', async () => {
    const keyring = await loadKeyring(keyringSecret);
    const asked = await verifyDueApps(db, keyring, config, actor, now);
    run.providerVerified = asked.probed;
    logEvent('scheduled provider verification', { claimed: asked.claimed, probed: asked.probed, skipped: asked.skipped });
  });
  logEvent('scheduled purge', { idempotency_keys_purged: run.idempotencyKeysPurged, audit_events_purged: run.eventsPurged });
  if (failures.length > 0) throw failures[0];
  return run;
}
