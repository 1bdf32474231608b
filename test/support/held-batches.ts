// The real app on the target's real storage, whose write batches wait for
// something to happen first: a request stalled just before its write, while
// time passes or other requests run (the idempotency lease, a write conflict).
import { createApp } from '../../src/app';
import type { Database } from '../../src/db/client';
import { singlePrimaryEngine } from '../../src/db/libsql';
import { db, env } from './fixtures';

/** Sends a request through an app whose n-th write batch (0, 1, …) first awaits `before(n, its statements)`. */
export function appWithHeldBatches(
  before: (n: number, statements: Parameters<Database['batch']>[0]) => Promise<void>,
): (request: Request) => Promise<Response> {
  const real = db();
  let batches = 0;
  const held = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'batch') return Reflect.get(target, prop, receiver) as unknown;
      return async (statements: Parameters<Database['batch']>[0]) => {
        await before(batches++, statements);
        return target.batch(statements);
      };
    },
  }) as Database;
  const app = createApp(singlePrimaryEngine(held));
  return (request) => Promise.resolve(app.fetch(request, { ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING, TOKEN_CACHE_TTL_SECONDS: '0' }));
}
