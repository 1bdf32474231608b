// Probes for load balancers, uptime monitors and orchestrators: no token, no
// rate limit (they come before authentication), never cached, and no request
// log line: an unauthenticated caller could otherwise write log lines at will.
// A failed check is logged, with its cause, at most once per interval.
//   GET /healthz  liveness: the process answers. Touches nothing.
//   GET /readyz   readiness: the configuration and the keyring parse, and one
//                 cheap storage query succeeds (its result is kept STORAGE_CHECK_TTL_MS,
//                 so probes, however many, cost storage at most one query per
//                 instance per interval). 503 names the check that failed.
import { sql } from 'drizzle-orm';
import type { Context, Hono } from 'hono';
import { appConfigOf, type AppConfig } from '../config/app-config';
import { KeyringError, loadKeyring } from '../crypto/keyring';
import type { Database } from '../db/client';
import type { StorageEngine } from '../db/engine';
import { apiTokens } from '../db/schema';
import type { AppEnv, Bindings } from '../env';
import { ApiError, methodNotAllowed, renderError } from './errors';
import { logError } from './log';

export const STORAGE_CHECK_TTL_MS = 5000;

/** The checks /readyz makes, in order; the first that fails is the answer's failed_check. */
export const READINESS_CHECKS = ['configuration', 'keyring', 'storage', 'draining'] as const;
export type ReadinessCheck = (typeof READINESS_CHECKS)[number];

export interface ProbeOptions {
  /** Settings parsed at start (the Node server); else each env's are parsed. */
  config?: AppConfig;
  /** True once the server is shutting down: not ready, so balancers stop sending. */
  draining?: () => boolean;
}

interface StorageCheck {
  at: number;
  result: Promise<unknown>;
}

const NO_STORE = { 'Cache-Control': 'no-store' };

/** The readiness query: it reads no row (LIMIT 0), yet fails unless the database answers and has its schema. */
export const storageProbe = (db: Database) => db.select({ one: sql`1` }).from(apiTokens).limit(0);

export function probeRoutes(app: Hono<AppEnv>, engine: StorageEngine, options: ProbeOptions = {}): void {
  // Per env object (one per Worker isolate; the Node server's one).
  const storageChecks = new WeakMap<Bindings, StorageCheck>();

  const storageCheck = (env: Bindings): Promise<unknown> => {
    const now = Date.now();
    let check = storageChecks.get(env);
    if (!check || now - check.at >= STORAGE_CHECK_TTL_MS) {
      const result = Promise.resolve().then(() => storageProbe(engine.open(env, { writes: false }).db).all());
      result.catch(() => undefined); // awaited by whoever asks; kept, failed, until it expires
      check = { at: now, result };
      storageChecks.set(env, check);
    }
    return check.result;
  };

  const loggedAt = new Map<ReadinessCheck, number>();
  const notReady = (c: Context<AppEnv>, failed: ReadinessCheck, err?: unknown) => {
    const now = Date.now();
    if (err !== undefined && now - (loggedAt.get(failed) ?? -Infinity) >= STORAGE_CHECK_TTL_MS) {
      loggedAt.set(failed, now);
      logError(c, `not ready: ${failed}`, err);
    }
    return renderError(
      c,
      new ApiError('not_ready', `Not ready: the ${failed} check failed.`, { fields: { failed_check: failed }, headers: NO_STORE }),
    );
  };

  app.get('/healthz', (c) => {
    c.set('quiet', true);
    return c.json({ status: 'ok' }, 200, NO_STORE);
  });
  app.all('/healthz', methodNotAllowed(['GET']));

  app.get('/readyz', async (c) => {
    c.set('quiet', true);
    let config: AppConfig;
    try {
      config = options.config ?? appConfigOf(c.env);
    } catch (err) {
      // The keyring is one of the settings; a fault in it is named as its own check.
      return notReady(c, err instanceof KeyringError ? 'keyring' : 'configuration', err);
    }
    try {
      await loadKeyring(config.encryptionKeyring);
    } catch (err) {
      return notReady(c, 'keyring', err);
    }
    try {
      await storageCheck(c.env);
    } catch (err) {
      return notReady(c, 'storage', err);
    }
    if (options.draining?.()) return notReady(c, 'draining');
    return c.json({ status: 'ready' }, 200, NO_STORE);
  });
  app.all('/readyz', methodNotAllowed(['GET']));
}
