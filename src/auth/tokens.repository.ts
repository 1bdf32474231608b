// The only code that reads or writes the api_tokens table.
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/client';
import { prebuilt } from '../db/prebuilt';
import { apiTokens, type ApiTokenRow } from '../db/schema';

const tokenByHash = prebuilt<{ tokenHash: string }, ApiTokenRow>((db, v) =>
  db.select().from(apiTokens).where(eq(apiTokens.tokenHash, v.tokenHash)).limit(1),
);

/** The token whose hash this is (every request whose token is not in the cache asks). */
export async function findTokenByHash(db: Database, tokenHash: string): Promise<ApiTokenRow | undefined> {
  const rows = await tokenByHash(db, { tokenHash });
  return rows[0];
}

/**
 * Records that the token was used, at most once per `everyMs`: the write is
 * conditional, so a busy token costs one write a minute, not one per request.
 */
export async function touchToken(db: Database, id: string, now: Date, everyMs: number): Promise<void> {
  const staleBefore = new Date(now.getTime() - everyMs).toISOString();
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now.toISOString() })
    .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, staleBefore))));
}
