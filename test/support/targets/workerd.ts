// What the two workerd targets share: a Worker build's handlers, called as the
// runtime calls them (with an execution context), and SELF for plain requests.
import { createExecutionContext, createScheduledController, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Bindings } from '../../../src/env';
import type { Target } from '../target';

export function workerdTarget(
  worker: ExportedHandler<Bindings>,
  fields: Pick<Target, 'name' | 'bookmarks'> & { db: () => Target['db']; DB: Target['env']['DB'] },
): Target {
  return {
    name: fields.name,
    bookmarks: fields.bookmarks,
    get db() {
      return fields.db();
    },
    env: { DB: fields.DB, ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING!, SMALL_RATE_LIMITER: env.SMALL_RATE_LIMITER, TEST_PROVIDERS: env.TEST_PROVIDERS },
    send: (request) => SELF.fetch(request),
    async sendWithEnv(request, overrides) {
      const ctx = createExecutionContext();
      const res = await worker.fetch!(request as Parameters<NonNullable<typeof worker.fetch>>[0], { ...env, ...overrides }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
    async runScheduled(now, overrides = {}) {
      const ctx = createExecutionContext();
      await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: '*/15 * * * *' }), { ...env, ...overrides }, ctx);
      await waitOnExecutionContext(ctx);
    },
  };
}
