// Storage that sheds load, stays locked or cannot be reached is "not now", not
// "broken": 503 with Retry-After, the documented error shape, and a log line
// without the query's parameters. Real faults at the storage boundary: a libSQL
// file another connection holds the write lock on, an HTTP libSQL endpoint
// answering 429 as a throttled server does, and a port nothing listens on.
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql/node';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { Database } from '../../src/db/client';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { singlePrimaryEngine } from '../../src/db/libsql';
import { displayPrefix, generateApiToken, hashApiToken } from '../../src/auth/api-token';
import { env, request, seedBody } from '../support/fixtures';
import { logMark, logsSince, rememberSecret } from '../support/log-capture';
import { freePort } from '../support/sqld';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bindings = { ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING, TOKEN_CACHE_TTL_SECONDS: '0' };
const token = rememberSecret(generateApiToken());

/**
 * 503 in the error shape; its log line holds none of the query's parameters
 * (a failed query's is named, its parameters withheld; a failed batch's error carries none).
 */
async function expectBusy(res: Response, mark: number, failed: 'query' | 'batch' = 'query'): Promise<void> {
  expect(res.status).toBe(503);
  expect(res.headers.get('Retry-After')).toBe('1');
  const body = (await res.json()) as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'summary']);
  expect(body.code).toBe('storage_unavailable');
  expect(body.summary).toMatch(/Storage is busy or unreachable/);
  const line = logsSince(mark).find((l) => l.includes('"storage busy"') && l.includes(body.request_id!));
  expect(line).toBeDefined();
  if (failed === 'query') expect(line).toContain('parameters withheld');
  expect(line).not.toContain('params:');
  expect(line!.includes(await hashApiToken(token))).toBe(false);
}

describe('storage busy', () => {
  it('a libSQL file locked by another writer past the busy timeout: 503', async () => {
    const file = `file:${join(dir, 'locked.db')}`;
    const holder = createClient({ url: file });
    await applyLibsqlMigrations(holder);
    const app = createApp(singlePrimaryEngine(drizzle(createClient({ url: file, timeout: 50 })) as unknown as Database));
    // A real caller, so the request gets past authentication to its write.
    const now = new Date().toISOString();
    await holder.batch([
      { sql: "INSERT INTO accounts (id, name, created_at) VALUES ('acct', 'busy', ?)", args: [now] },
      {
        sql: "INSERT INTO api_tokens (id, account_id, token_hash, token_prefix, scopes, created_at) VALUES ('t', 'acct', ?, ?, 'oauth_apps:write', ?)",
        args: [await hashApiToken(token), displayPrefix(token), now],
      },
    ]);
    await holder.execute('PRAGMA journal_mode = WAL'); // as the Node server runs it: reads do not wait for the writer
    const lock = await holder.transaction('write'); // BEGIN IMMEDIATE: the write lock, held
    try {
      await lock.execute("INSERT INTO accounts (id, name, created_at) VALUES ('other', 'other', 'now')");
      const before = (await holder.execute('SELECT count(*) AS n FROM oauth_apps')).rows[0]!.n;
      const mark = logMark();
      await expectBusy(await app.fetch(request('POST', '/v1/oauth-apps', { token, body: seedBody() }), bindings), mark, 'batch');
      expect((await holder.execute('SELECT count(*) AS n FROM oauth_apps')).rows[0]!.n).toBe(before);
    } finally {
      await lock.rollback();
      holder.close();
    }
  });

  it('a libSQL server answering 429 (throttled): 503', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(429, { 'Content-Type': 'text/plain' }).end('too many requests');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const app = createApp(singlePrimaryEngine(drizzle(createClient({ url })) as unknown as Database));
      const mark = logMark();
      await expectBusy(await app.fetch(request('GET', '/v1/oauth-apps', { token }), bindings), mark);
    } finally {
      server.close();
    }
  });

  it('a libSQL server that cannot be reached (connection refused): 503', async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const app = createApp(singlePrimaryEngine(drizzle(createClient({ url })) as unknown as Database));
    const mark = logMark();
    await expectBusy(await app.fetch(request('GET', '/v1/oauth-apps', { token }), bindings), mark);
  });
});
