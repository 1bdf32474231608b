// Opening a libSQL database from Node: a local file (the real libSQL engine),
// a remote server (libsql://, https://), or an embedded replica of one (a
// local file kept in sync with syncUrl; writes go to the remote primary).
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql/node';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, DEFAULT_LIBSQL_URL } from '../config/schema';
import type { Database } from './client';
import { retryingOnBusy } from './libsql';

export { DEFAULT_LIBSQL_URL };

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
  // An embedded replica makes its own file (it refuses an empty one): its folder alone is made private.
  if (file) createPrivately(file, { folderOnly: settings.syncUrl !== undefined });
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
    // Readers do not wait for the writer, and a commit is one append (WAL),
    // synced to disk before the commit returns (FULL): an answered write
    // survives the process being killed, and the machine losing power.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = FULL');
  }
  return client;
}

export function libsqlNodeDatabase(client: Client): Database {
  return drizzle(retryingOnBusy(client)) as unknown as Database;
}

/**
 * The database file, and any folder missing on its way, made readable by the
 * owner alone (0600, 0700) when they do not exist yet: they hold every
 * ciphertext and token hash. Existing ones are left as the operator set them.
 * SQLite gives its -wal and -shm files the database file's mode.
 */
function createPrivately(file: string, options: { folderOnly: boolean }): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (options.folderOnly || existsSync(file)) return;
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    // Made meanwhile by another process: theirs stands.
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
  }
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
