// The libSQL-over-HTTP driver for the Worker build that includes it
// (src/index.libsql.ts): LIBSQL_URL chooses it, otherwise the D1 binding serves.
import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import { ConfigError } from '../env';
import { d1Engine } from './d1';
import type { StorageEngine } from './engine';
import type { Database } from './client';
import { singlePrimaryEngine } from './libsql';

let current: { url: string; authToken: string | undefined; engine: StorageEngine } | undefined;

export const libsqlOrD1Engine: StorageEngine = {
  open(env, request) {
    const url = env.LIBSQL_URL;
    if (!url) return d1Engine.open(env, request);
    const authToken = env.LIBSQL_AUTH_TOKEN || undefined;
    // One client per isolate (it keeps its HTTP connections), rebuilt only if the settings change.
    if (!current || current.url !== url || current.authToken !== authToken) {
      current = { url, authToken, engine: singlePrimaryEngine(drizzle(openWebClient(url, authToken)) as unknown as Database) };
    }
    return current.engine.open(env, request);
  },
};

function openWebClient(url: string, authToken: string | undefined) {
  try {
    return createClient({ url, authToken });
  } catch {
    // The URL may carry a token (?authToken=): never repeat it.
    throw new ConfigError('LIBSQL_URL is not a URL the Worker can reach: use libsql://, https:// or http://');
  }
}
