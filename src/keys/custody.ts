// Key custody, free of HTTP: re-encrypting secrets under the primary key in
// bounded batches (and re-sealing those sealed before generations at
// generation 1), verifying stored secrets still decrypt, and counting what
// each key protects. Runs where the keyring is: the Worker (cron trigger and
// the operator endpoints) or the Node server.
import { runActor, type Actor } from '../audit/audit-events';
import { healthChangedEventStatements, reencryptionEventStatements, rotationRunStatement } from '../audit/audit.repository';
import { seal } from '../crypto/field-cipher';
import type { Keyring } from '../crypto/keyring';
import type { Database, Statement } from '../db/client';
import type { OAuthAppRow } from '../db/schema';
import { healthRules, VERDICT, type HealthRules } from '../oauth-apps/health';
import { announceOf, clientSecretContext, movedAnnouncements, openClientSecret, type Judged } from '../oauth-apps/oauth-apps.service';
import {
  countToReseal,
  recordVerdictsStatement,
  rowsToReseal,
  rowsToVerify,
  secretsPerKey,
  swapCiphertextsStatement,
  type CiphertextSwap,
  type Verdict,
} from './custody.repository';

export const MAX_ROTATION_BATCH = 500;
/**
 * Rows per statement. Each statement carries its rows' ciphertexts as one JSON
 * parameter; at the longest secrets (4 KiB) 100 rows stay well under D1's 2 MB
 * value limit.
 */
const ROWS_PER_STATEMENT = 100;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) out.push(items.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

export interface RotationBatchResult {
  primaryKeyId: string;
  /** Secrets moved to the primary key by this batch. */
  reencrypted: number;
  /** Secrets that did not decrypt: now health error, left where they are. */
  failed: number;
  /** Secrets replaced by a write while the batch ran: the write's value stands. */
  raced: number;
  /** Secrets still to re-encrypt, healthy, after this batch: under an older key of the keyring, or at generation 0. */
  remaining: number;
}

/** An operator who asked for the run: recorded in their own account's trail, with their token and request. */
export interface RunRequester {
  accountId: string;
  actor: Actor;
}

const olderKeyIds = (keyring: Keyring) => [...keyring.keys.keys()].filter((id) => id !== keyring.primaryId);

/** The verdict to store for a row, with what it announces. */
function verdictFor(row: OAuthAppRow, status: keyof typeof VERDICT, notes: string[], rules: HealthRules, at: Date): Verdict {
  const announce = announceOf(row, { healthStatus: status, healthNotes: JSON.stringify(notes), healthTime: at.toISOString() }, rules);
  return { id: row.id, ciphertext: row.clientSecretCiphertext, status, notes, announce };
}

/** A secret that opened (`plaintext`), or the error verdict to store for it. */
async function tryOpen(keyring: Keyring, row: OAuthAppRow, rules: HealthRules): Promise<{ plaintext: string } | { verdict: Verdict }> {
  const opened = await openClientSecret(keyring, row);
  if ('plaintext' in opened) return opened;
  return { verdict: verdictFor(row, 'error', [opened.note], rules, rules.now) };
}

/** The health_changed events of judged rows (first in their batch: each checks the row as judged). */
const announcements = (db: Database, judged: Judged[], run: Actor, now: Date) =>
  healthChangedEventStatements(db, movedAnnouncements(judged), run, now);

/**
 * Re-encrypts up to `limit` secrets that are under an older key of the
 * keyring or at generation 0: each is opened and sealed afresh under the
 * primary key (at its generation; a generation 0 one at 1), and swapped in
 * only if the row still holds the ciphertext that was read (compare-and-swap),
 * with its audit event, in one batch. `run` is the actor in tenants' trails (a
 * run id, never an operator's token); `requestedBy` adds the operator's own
 * event to the same batch. Idempotent and resumable: the state is the rows themselves.
 */
export async function rotateBatch(
  db: Database,
  keyring: Keyring,
  limit: number,
  run: Actor,
  now = new Date(),
  requestedBy?: RunRequester,
  expiryWarningDays?: number,
): Promise<RotationBatchResult> {
  const rules = healthRules(keyring, expiryWarningDays, now);
  const older = olderKeyIds(keyring);
  const rows = await rowsToReseal(db, older, keyring.primaryId, limit);
  const swaps: CiphertextSwap[] = [];
  const failures: Verdict[] = [];
  const judged: Judged[] = [];
  for (const row of rows) {
    const opened = await tryOpen(keyring, row, rules);
    if ('verdict' in opened) {
      failures.push(opened.verdict);
      judged.push({ row, announce: opened.verdict.announce });
      continue;
    }
    const generation = Math.max(row.clientSecretGeneration, 1);
    const announce = announceOf(row, { clientSecretKeyId: keyring.primaryId, healthStatus: VERDICT.ok, healthNotes: '[]' }, rules);
    const sealed = await seal(keyring, opened.plaintext, clientSecretContext({ ...row, clientSecretGeneration: generation }));
    swaps.push({
      id: row.id,
      fromCiphertext: row.clientSecretCiphertext,
      fromKeyId: row.clientSecretKeyId,
      ciphertext: sealed.ciphertext,
      toKeyId: sealed.keyId,
      generation,
      announce,
    });
    judged.push({ row, announce });
  }
  // One batch: the health changes' events, every swap with its events, and the failures' verdicts.
  let reencrypted = 0;
  const statements: Statement[] = [...announcements(db, judged, run, now)];
  const swapStatements = new Set<number>();
  for (const chunk of chunks(swaps)) {
    swapStatements.add(statements.length);
    statements.push(swapCiphertextsStatement(db, chunk, now), ...reencryptionEventStatements(db, chunk, run, now));
  }
  for (const chunk of chunks(failures)) statements.push(recordVerdictsStatement(db, chunk, now));
  if (requestedBy) {
    const { accountId, actor } = requestedBy;
    const runId = run.requestId;
    statements.push(rotationRunStatement(db, { accountId, runId, primaryKeyId: keyring.primaryId, swaps: swaps.length, failed: failures.length }, actor, now));
  }
  if (statements.length > 0) {
    const results = await db.batch(statements as [Statement, ...Statement[]]);
    for (const i of swapStatements) reencrypted += (results[i] as unknown[]).length;
  }
  return {
    primaryKeyId: keyring.primaryId,
    reencrypted,
    failed: failures.length,
    raced: swaps.length - reencrypted,
    remaining: await countToReseal(db, older, keyring.primaryId),
  };
}

/**
 * The verification sweep: opens up to `limit` secrets under the primary key,
 * those checked longest ago first, and stores the verdict (ok, or error for
 * one that no longer authenticates: tampered or corrupted). A few rows with
 * an error verdict are retried too, so a repaired keyring heals them.
 */
export async function verifyBatch(
  db: Database,
  keyring: Keyring,
  limit: number,
  now = new Date(),
  run: Actor = runActor(),
  expiryWarningDays?: number,
): Promise<{ checked: number; failed: number }> {
  const rules = healthRules(keyring, expiryWarningDays, now);
  const rows = (
    await Promise.all([
      rowsToVerify(db, keyring.primaryId, 'ok', limit),
      rowsToVerify(db, keyring.primaryId, 'error', Math.ceil(limit / 10)),
    ])
  ).flat();
  const verdicts: Verdict[] = [];
  const judged: Judged[] = [];
  for (const row of rows) {
    const opened = await tryOpen(keyring, row, rules);
    const verdict = 'verdict' in opened ? opened.verdict : verdictFor(row, 'ok', [], rules, now);
    verdicts.push(verdict);
    judged.push({ row, announce: verdict.announce });
  }
  if (verdicts.length > 0) {
    const statements: Statement[] = [...announcements(db, judged, run, now), recordVerdictsStatement(db, verdicts, now)];
    await db.batch(statements as [Statement, ...Statement[]]);
  }
  return { checked: verdicts.length, failed: verdicts.filter((v) => v.status === 'error').length };
}

export interface KeyStatus {
  id: string;
  primary: boolean;
  in_keyring: boolean;
  /** Secrets sealed under this key. */
  secrets: number;
  /** Of those, how many have an error verdict (did not decrypt). */
  errors: number;
}

// pending counts what keys:rotate still has to do: healthy secrets under an
// older key of the keyring, and healthy ones under the primary at generation 0.

/** Every key of the keyring and every key id found in storage, with what each protects. */
export async function keyStatus(db: Database, keyring: Keyring): Promise<{ primary: string; keys: KeyStatus[]; pending: number }> {
  const counts = await secretsPerKey(db);
  const ids = [...new Set([...keyring.keys.keys(), ...counts.keys()])].sort();
  const keys = ids.map((id) => ({
    id,
    primary: id === keyring.primaryId,
    in_keyring: keyring.keys.has(id),
    secrets: counts.get(id)?.secrets ?? 0,
    errors: counts.get(id)?.errors ?? 0,
  }));
  const pending =
    keys.filter((k) => !k.primary && k.in_keyring).reduce((n, k) => n + k.secrets - k.errors, 0) +
    (counts.get(keyring.primaryId)?.generationZero ?? 0);
  return { primary: keyring.primaryId, keys, pending };
}
