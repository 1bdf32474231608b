// Idempotency-Key on POST and PATCH (Stripe's semantics, the IETF draft's
// status codes). Runs after authentication and validation, so refused
// requests (401, 403, 422, 429) never touch a key.
//
//   no record          reserve it (pending, with a lease), run the endpoint
//   same request, done replay the stored answer byte for byte, Idempotent-Replayed: true
//   same request, busy 409 (the first is still running)
//   other request      422
//
// A successful write stores its answer in the write's own batch, and applies
// only while the reservation is still the request's (src/idempotency/answer.ts):
// a request that outlived its lease, whose key a retry took over, changes
// nothing and answers 409. Any other answer the endpoint gives (409, 404, 412)
// is stored after it; a 5xx, a crash or an answer the endpoint marks as the
// moment's (a provider's refusal on save: releaseKeyAfter) releases the key,
// and a reservation whose request died lapses with its lease. The fingerprint
// covers the method, path, verify=true (a different request from a plain
// save) and the validated body.
import type { MiddlewareHandler } from 'hono';
import { fingerprint, fingerprintMatches } from '../crypto/fingerprint';
import { loadKeyring } from '../crypto/keyring';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { canonicalJson } from '../util/canonical-json';
import { answerResponse } from './answer';
import {
  completeKey,
  releaseKey,
  reserveKey,
  type Reservation,
  type StoredAnswer,
} from './idempotency.repository';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;
const KEY = /^[\x20-\x7e]{1,255}$/;
/** Headers kept with an answer, for the replay. */
const KEPT_HEADERS = ['Content-Type', 'ETag'];

export interface IdempotencyScope {
  reservation: Reservation;
  answered: boolean;
  /** Release the key after the answer instead of storing it (releaseKeyAfter). */
  release?: boolean;
}

export function idempotent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    if (key === undefined) return next();
    if (!KEY.test(key)) {
      throw new ApiError('idempotency_key_malformed', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.');
    }
    // The validated body (this middleware runs after the json validator).
    const body = (c.req as unknown as { valid(target: 'json'): unknown }).valid('json');
    // Without verify=true the text is what it always was: keys stored before it existed still match.
    const verify = c.req.query('verify') === 'true' ? '?verify=true' : '';
    const request = `${c.req.method} ${c.req.path}${verify}\n${canonicalJson(body ?? null)}`;
    const keyring = await loadKeyring(c.get('config').encryptionKeyring);
    const db = c.get('db');
    const outcome = await reserveKey(db, {
      accountId: c.get('auth').accountId,
      key,
      fingerprint: await fingerprint(keyring, request),
      now: new Date(),
      leaseMs: IDEMPOTENCY_LEASE_MS,
      ttlMs: IDEMPOTENCY_TTL_MS,
    });

    if ('existing' in outcome) {
      const record = outcome.existing;
      if (!(await fingerprintMatches(keyring, record.fingerprint, request))) {
        throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request; use a new key.', {
          // A 422 always says what to fix, field by field: here, the header.
          validationErrors: { 'Idempotency-Key': ['was already used with a different request'] },
        });
      }
      if (record.state !== 'complete' || record.responseStatus === null || record.responseBody === null) {
        throw new ApiError('idempotency_key_in_flight', 'A request with this Idempotency-Key is still in progress; retry in a moment.');
      }
      const answer: StoredAnswer = {
        status: record.responseStatus,
        headers: JSON.parse(record.responseHeaders ?? '{}') as Record<string, string>,
        body: record.responseBody,
      };
      const res = answerResponse(answer);
      res.headers.set('Idempotent-Replayed', 'true');
      return res;
    }

    const scope: IdempotencyScope = { reservation: outcome.reserved, answered: false };
    c.set('idempotency', scope);
    await next(); // Hono has turned any error into c.res by now.
    if (c.res.status >= 500 || scope.release) {
      // If storage is what failed, this may fail too: the lease then frees the key.
      await releaseKey(db, scope.reservation).catch(() => undefined);
    } else if (!scope.answered) {
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = c.res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      await completeKey(db, scope.reservation, { status: c.res.status, headers, body: await c.res.clone().text() });
    }
  };
}
