// What a handler needs of the request's Idempotency-Key, as values: the
// answer to store with its write (in the write's own batch), and the
// condition that the key's reservation is still this request's. Without a
// key, no statements and a condition that always holds.
import type { Context } from 'hono';
import { sql, type SQL } from 'drizzle-orm';
import type { Statement } from '../db/client';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import {
  answerValues,
  completeStatement,
  reservationHeld,
  reservationHeldCondition,
  type AnswerValues,
  type Reservation,
  type StoredAnswer,
} from './idempotency.repository';

type Ctx = Context<AppEnv>;

/** A JSON answer, rendered once so that the response and its stored replay are the same bytes. */
export function jsonAnswer(status: number, value: unknown, headers: Record<string, string> = {}): StoredAnswer {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function answerResponse(answer: StoredAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * True while the request's reservation of its Idempotency-Key is its own: a
 * request whose lease lapsed and whose key a retry took over writes nothing.
 * Part of every keyed write's guard.
 */
export function stillReserved(c: Ctx): SQL {
  const scope = c.get('idempotency');
  return scope ? reservationHeldCondition(scope.reservation) : sql`1`;
}

/** The statement that stores `answer` for the request's key, if `guard` holds; [] without a key. */
export function idempotentAnswer(c: Ctx, answer: StoredAnswer, guard: SQL): Statement[] {
  const scope = c.get('idempotency');
  return scope ? [completeStatement(c.get('db'), scope.reservation, answer, guard)] : [];
}

/** The request's key's reservation and `answer`, as a prebuilt batch's values (src/oauth-apps/oauth-apps.create-batch.ts); none without a key. */
export function keyedAnswer(c: Ctx, answer: StoredAnswer): { reservation?: Reservation; answer?: AnswerValues } {
  const scope = c.get('idempotency');
  return scope ? { reservation: scope.reservation, answer: answerValues(answer) } : {};
}

/** The write applied with its answer stored: the middleware must not store another. */
export function answered(c: Ctx): void {
  const scope = c.get('idempotency');
  if (scope) scope.answered = true;
}

/**
 * After a write that did not apply: 409 if the reason is that the request no
 * longer holds its key (its lease lapsed and another request took it over).
 */
export async function refuseIfLeaseLost(c: Ctx): Promise<void> {
  const scope = c.get('idempotency');
  if (!scope || (await reservationHeld(c.get('db'), scope.reservation))) return;
  throw new ApiError(
    'idempotency_lease_lost',
    'This request held its Idempotency-Key past the lease and another request with the key took it over; this request changed nothing. Retry with the same key to get that request’s answer.',
  );
}

/**
 * This answer is not the request's to keep: the key is released as after a
 * 5xx, so a retry with it (corrected or not) runs afresh. For an answer that
 * depends on the moment (the provider's), not on the request.
 */
export function releaseKeyAfter(c: Ctx): void {
  const scope = c.get('idempotency');
  if (scope) scope.release = true;
}
