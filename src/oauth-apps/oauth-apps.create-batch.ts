// The create's batch (POST /v1/oauth-apps): two statements without a key or a
// verification (its event, its row), built once per shape and then
// only bound (src/db/prebuilt.ts): drizzle building its statements was a
// fifth of a create's CPU. Its shapes: with or without an Idempotency-Key
// (the stored answer, and the key's reservation in the guard), and with or
// without a verification's event (?verify=true).
import { and } from 'drizzle-orm';
import { eventStatements, type EventValues } from '../audit/audit.repository';
import type { Database } from '../db/client';
import { prebuiltBatch, type PlaceholderGroups } from '../db/prebuilt';
import type { OAuthAppRow } from '../db/schema';
import { reservationHeldCondition, storeAnswerStatement, type AnswerValues, type Reservation } from '../idempotency/idempotency.repository';
import { insertOAuthAppStatements, oauthAppIsFree } from './oauth-apps.repository';

export type CreateValues = {
  row: OAuthAppRow;
  quota: { maxApps: number };
  /** The oauth_app.created event. */
  created: EventValues;
  /** The oauth_app.verified event, when the provider was asked first. */
  verified?: EventValues;
  /** The request's Idempotency-Key, and the answer stored with the write. */
  reservation?: Reservation;
  answer?: AnswerValues;
};

/**
 * The row, its events and stored answer (and, by the inserts' triggers, its
 * metadata index, app count and the events' app links), written together
 * only if the app is free (no app with its provider and client_id, the
 * account under its quota) and the request still holds its key; `insertAt`
 * is the insert's place (insertOAuthAppStatements).
 */
export function buildCreateBatch(db: Database, v: PlaceholderGroups<CreateValues>) {
  const guard = and(oauthAppIsFree(v.row, v.quota.maxApps), v.reservation ? reservationHeldCondition(v.reservation) : undefined)!;
  const alongside = [
    ...(v.reservation && v.answer ? [storeAnswerStatement(db, v.reservation, v.answer, guard)] : []),
    ...eventStatements(db, v.created, guard),
    ...(v.verified ? eventStatements(db, v.verified, guard) : []),
  ];
  return insertOAuthAppStatements(db, v.row, guard, alongside);
}

/** buildCreateBatch, built once per shape: the create's batch for these values. */
export const createBatch = prebuiltBatch(buildCreateBatch);
