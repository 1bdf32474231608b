// Opening a libSQL database from Node: a local file (the real libSQL engine),
// a remote server (libsql://, https://), or an embedded replica of one (a
// local file kept in sync with syncUrl; writes go to the remote primary).
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql/node';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../env';
import type { Database } from './client';
import { retryingOnBusy } from './libsql';

export const DEFAULT_LIBSQL_URL = 'file:./data/oauth-apps.db';

export interface LibsqlSettings {
  url: string;
  authToken?: string;
  /** Embedded replica: `url` is the local file, this the primary it syncs from. */
  syncUrl?: string;
  syncIntervalSeconds?: number;
}

// Waits this long for another connection's write lock (a token command
// writing while the server runs) instead of failing at once with SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 5000;

export async function openLibsqlClient(settings: LibsqlSettings): Promise<Client> {
  const file = localPath(settings.url);
  if (file) mkdirSync(dirname(file), { recursive: true });
  let client: Client;
  try {
    client = createClient({
      url: settings.url,
      authToken: settings.authToken,
      syncUrl: settings.syncUrl,
      syncInterval: settings.syncIntervalSeconds,
      timeout: BUSY_TIMEOUT_MS,
    });
  } catch (err) {
    // Its message can repeat the URL, which may carry a token: say only what is wrong.
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(
      `LIBSQL_URL cannot be opened${typeof code === 'string' ? ` (${code})` : ''}: use file:<path>, libsql://, https:// or http://`,
    );
  }
  if (settings.syncUrl) {
    await client.sync();
  } else if (file) {
    // Readers do not wait for the writer, and a commit is one append (WAL).
    await client.execute('PRAGMA journal_mode = WAL');
  }
  return client;
}

export function libsqlNodeDatabase(client: Client): Database {
  return drizzle(retryingOnBusy(client)) as unknown as Database;
}

/** The file path of a file: URL (relative to the working directory), or null. */
export function localPath(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  const path = url.slice('file:'.length).replace(/\?.*$/, '');
  return path.startsWith('///') ? path.slice(2) : path;
}

/** The URL without credentials or query, for logs and banners. */
export function describeUrl(url: string): string {
  return url.replace(/\?.*$/, '').replace(/\/\/[^/@]*@/, '//');
}
