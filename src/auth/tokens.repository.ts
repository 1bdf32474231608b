// The only code that reads or writes the api_tokens table.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiTokens, type ApiTokenRow } from '../db/schema';

export async function findTokenByHash(db: Database, tokenHash: string): Promise<ApiTokenRow | undefined> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1);
  return rows[0];
}
