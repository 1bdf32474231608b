// The Worker in workerd, on the test file's own local D1 with the real migrations.
import { createExecutionContext, createScheduledController, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import type { Database } from '../../../src/db/client';
import worker from '../../../src/index';
import type { RawDatabase, Target } from '../target';

async function runWorker(request: Request, bindings: Cloudflare.Env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch!(request as Parameters<NonNullable<typeof worker.fetch>>[0], bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const target: Target = {
  name: 'worker',
  bookmarks: true,
  env: {
    DB: env.DB as unknown as RawDatabase,
    ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING!,
    SMALL_RATE_LIMITER: env.SMALL_RATE_LIMITER,
  },
  db: drizzle(env.DB!) as unknown as Database,
  send: (request) => SELF.fetch(request),
  sendWithEnv: (request, overrides) => runWorker(request, { ...env, ...overrides }),
  async runScheduled(now) {
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: '*/15 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
  },
};
