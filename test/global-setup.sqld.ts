// For the worker-libsql project: a real libSQL server (sqld) on a fresh
// database, migrated over HTTP by the same migrator the Node server uses,
// reached through a proxy that hands it one request at a time (serialize() in
// support/sqld.ts says why); stopped after the run. vitest.config.ts chose the
// proxy's port (the Worker's LIBSQL_URL binding names it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLibsqlMigrations } from '../src/db/ledger';
import { openLibsqlClient } from '../src/db/libsql-node';
import { serialize, startSqld } from './support/sqld';

export default async function setup(): Promise<() => Promise<void>> {
  const port = Number(process.env.TEST_SQLD_PORT);
  if (!port) throw new Error('TEST_SQLD_PORT is not set (vitest.config.ts sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-sqld-'));
  const sqld = await startSqld(dir);
  const client = await openLibsqlClient({ url: sqld.url });
  await applyLibsqlMigrations(client);
  client.close();
  const proxy = await serialize(sqld.url, port);
  return async () => {
    await proxy.stop();
    await sqld.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
