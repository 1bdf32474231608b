// The only code that reads or writes the oauth_apps table. Every query is
// scoped to an account: there is no way to reach a row without one.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oauthApps, type OAuthAppRow } from '../db/schema';

export class DuplicateOAuthAppError extends Error {
  override name = 'DuplicateOAuthAppError';
  constructor(readonly existingId: string) {
    super('an OAuth app with this provider and client_id already exists');
  }
}

/**
 * Inserts the row, or throws DuplicateOAuthAppError naming the app that
 * already holds (account, provider, client_id).
 */
export async function insertOAuthApp(db: Database, row: OAuthAppRow): Promise<void> {
  // Twice at most: the conflicting app may be deleted between the two statements.
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await db
      .insert(oauthApps)
      .values(row)
      .onConflictDoNothing({ target: [oauthApps.accountId, oauthApps.provider, oauthApps.clientId] })
      .returning({ id: oauthApps.id });
    if (inserted.length > 0) return;
    const existing = await db
      .select({ id: oauthApps.id })
      .from(oauthApps)
      .where(
        and(
          eq(oauthApps.accountId, row.accountId),
          eq(oauthApps.provider, row.provider),
          eq(oauthApps.clientId, row.clientId),
        ),
      )
      .limit(1);
    if (existing[0]) throw new DuplicateOAuthAppError(existing[0].id);
  }
  throw new Error('insert of an OAuth app conflicted twice without a visible conflicting row');
}

export async function findOAuthApp(db: Database, accountId: string, id: string): Promise<OAuthAppRow | undefined> {
  const rows = await db
    .select()
    .from(oauthApps)
    .where(and(eq(oauthApps.accountId, accountId), eq(oauthApps.id, id)))
    .limit(1);
  return rows[0];
}
