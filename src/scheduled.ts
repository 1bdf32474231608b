// Work run on a schedule: the Worker's cron trigger (wrangler.toml [triggers]),
// a timer on the Node server.
import type { Database } from './db/client';
import { logEvent } from './http/log';
import { purgeExpiredKeys } from './idempotency/idempotency.repository';

const PURGE_BATCH = 500;
const MAX_BATCHES = 20;

/** Deletes expired idempotency records, in bounded batches. Returns how many. */
export async function runScheduled(db: Database, now: Date): Promise<number> {
  let purged = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await purgeExpiredKeys(db, now, PURGE_BATCH);
    purged += n;
    if (n < PURGE_BATCH) break;
  }
  logEvent('scheduled purge', { idempotency_keys_purged: purged });
  return purged;
}
