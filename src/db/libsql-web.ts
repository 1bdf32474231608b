// The libSQL-over-HTTP driver for the Worker build that includes it
// (src/index.libsql.ts): LIBSQL_URL chooses it, otherwise the D1 binding serves.
import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import { appConfigOf } from '../config/app-config';
import { ConfigError } from '../config/schema';
import type { Database } from './client';
import { d1Engine } from './d1';
import type { StorageEngine } from './engine';
import { retryingOnBusy, singlePrimarySession } from './libsql';

export const libsqlOrD1Engine: StorageEngine = {
  open(env, request) {
    const { libsqlUrl: url, libsqlAuthToken } = appConfigOf(env);
    if (!url) return d1Engine.open(env, request);
    // A client per request: workerd forbids one request from using I/O (a
    // fetch, a queued slot of the client's concurrency limit) begun by another,
    // and building one costs no round trip (HTTP protocol v2, no probe).
    return singlePrimarySession(drizzle(retryingOnBusy(openWebClient(url, libsqlAuthToken))) as unknown as Database);
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
