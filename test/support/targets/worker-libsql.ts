// The Worker's libSQL build (src/index.libsql.ts, wrangler --env libsql) in
// workerd, with LIBSQL_URL pointing at a real libSQL server (sqld, started and
// migrated by test/global-setup.sqld.ts). One database for the whole project:
// its files run one at a time.
import { createExecutionContext, createScheduledController, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import type { Database } from '../../../src/db/client';
import worker from '../../../src/index.libsql';
import { rawLibsqlDatabase } from '../raw-libsql';
import type { Target } from '../target';

const client = createClient({ url: env.LIBSQL_URL! });

async function runWorker(request: Request, bindings: Cloudflare.Env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(request as Parameters<NonNullable<typeof worker.fetch>>[0], bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const target: Target = {
  name: 'worker-libsql',
  bookmarks: false,
  env: {
    DB: rawLibsqlDatabase(client),
    ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING!,
    SMALL_RATE_LIMITER: env.SMALL_RATE_LIMITER,
  },
  db: drizzle(client) as unknown as Database,
  send: (request) => SELF.fetch(request),
  sendWithEnv: (request, overrides) => runWorker(request, { ...env, ...overrides }),
  async runScheduled(now) {
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: '*/15 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
  },
};
