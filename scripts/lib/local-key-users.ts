// The two local databases that share .dev.vars's keyring: the local D1 of
// `npm run dev` and the Node server's default file. A key retired from that
// file is lost to both, so both are asked, directly, through the app's own
// custody query; a database that does not exist yet holds nothing.
import { drizzle } from 'drizzle-orm/d1';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../../src/db/client';
import { DEFAULT_LIBSQL_URL, libsqlNodeDatabase, localPath, openLibsqlClient } from '../../src/db/libsql-node';
import { secretsPerKey } from '../../src/keys/custody.repository';
import { openLocalD1 } from './local-d1';

/** Beside .dev.vars (the working directory, as for every local path the scripts use). */
const LOCAL_STATE = resolve('.wrangler', 'state');

export interface KeyUse {
  where: string;
  secrets: number;
}

async function countUnder(db: Database, keyId: string): Promise<number> {
  try {
    return (await secretsPerKey(db)).get(keyId)?.secrets ?? 0;
  } catch (err) {
    // Not migrated yet: no table, no secret.
    if (/no such table/i.test(String((err as Error)?.cause ?? err))) return 0;
    throw err;
  }
}

export async function localSecretsUnder(keyId: string): Promise<KeyUse[]> {
  const uses: KeyUse[] = [];
  if (existsSync(join(LOCAL_STATE, 'v3', 'd1'))) {
    const local = await openLocalD1(LOCAL_STATE);
    try {
      uses.push({ where: 'the local D1 (npm run dev)', secrets: await countUnder(drizzle(local.db) as unknown as Database, keyId) });
    } finally {
      await local.dispose();
    }
  }
  const file = localPath(DEFAULT_LIBSQL_URL)!;
  if (existsSync(file)) {
    const client = await openLibsqlClient({ url: DEFAULT_LIBSQL_URL });
    try {
      uses.push({ where: `the Node server's ${file} (npm run start:node)`, secrets: await countUnder(libsqlNodeDatabase(client), keyId) });
    } finally {
      client.close();
    }
  }
  return uses;
}
