// The Node server on a real libSQL server (sqld): remote over HTTP, and as a
// Turso-style embedded replica, a local file kept in sync with the server.
// Writes go to the primary; the replica's reads see its own writes at once, and
// another replica sees them after a sync.
import { createClient, type Client } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { libsqlNodeDatabase, openLibsqlClient } from '../../src/db/libsql-node';
import { startNodeServer, type NodeServer } from '../../src/node/server';
import { env, seedBody } from '../support/fixtures';
import { startSqld, type Sqld } from '../support/sqld';
import { displayPrefix, generateApiToken, hashApiToken } from '../../src/auth/api-token';
import { rememberSecret } from '../support/log-capture';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-replica-'));
let sqld: Sqld;
const closers: (() => unknown)[] = [];
const token = rememberSecret(generateApiToken());

/** A Node server on this client, closed after the file. */
async function serve(client: Client): Promise<NodeServer> {
  const server = await startNodeServer({
    db: libsqlNodeDatabase(client),
    env: { ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING, TOKEN_CACHE_TTL_SECONDS: '0' },
    port: 0,
    hostname: '127.0.0.1',
  });
  closers.push(() => server.close(), () => client.close());
  return server;
}

async function replicaServer(name: string): Promise<{ server: NodeServer; sync: () => Promise<unknown> }> {
  const client = await openLibsqlClient({ url: `file:${join(dir, `${name}.db`)}`, syncUrl: sqld.url });
  // The migrator through the replica: its write transaction runs on the primary.
  await applyLibsqlMigrations(client);
  return { server: await serve(client), sync: () => client.sync() };
}

beforeAll(async () => {
  sqld = await startSqld(dir);
  const primary = createClient({ url: sqld.url });
  await applyLibsqlMigrations(primary);
  const now = new Date().toISOString();
  await primary.batch([
    { sql: "INSERT INTO accounts (id, name, created_at) VALUES ('acct-r', 'replica', ?)", args: [now] },
    {
      sql: "INSERT INTO api_tokens (id, account_id, token_hash, token_prefix, scopes, created_at) VALUES ('tok-r', 'acct-r', ?, ?, 'oauth_apps:read oauth_apps:write oauth_apps:secrets', ?)",
      args: [await hashApiToken(token), displayPrefix(token), now],
    },
  ]);
  primary.close();
}, 30_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await sqld?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Node server on a remote libSQL server', () => {
  it('serves from it over HTTP (LIBSQL_URL=http://…)', async () => {
    const server = await serve(await openLibsqlClient({ url: sqld.url }));
    const auth = { Authorization: `Bearer ${token}` };
    const created = await fetch(`${server.url}/v1/oauth-apps`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(seedBody()),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${server.url}/v1/oauth-apps/${id}`, { headers: auth })).status).toBe(200);
  });
});

describe('Node server on an embedded replica', () => {
  it('writes reach the primary; the replica reads its own writes; another replica sees them after a sync', async () => {
    const a = await replicaServer('replica-a');
    const auth = { Authorization: `Bearer ${token}` };
    const body = seedBody();
    const created = await fetch(`${a.server.url}/v1/oauth-apps`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };

    const own = await fetch(`${a.server.url}/v1/oauth-apps/${id}?truncate_secrets=false`, { headers: auth });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { client_secret: string }).client_secret).toBe(body.client_secret);

    const primary = createClient({ url: sqld.url });
    const row = await primary.execute({ sql: 'SELECT id FROM oauth_apps WHERE id = ?', args: [id] });
    primary.close();
    expect(row.rows).toHaveLength(1);

    const b = await replicaServer('replica-b');
    await b.sync();
    const other = await fetch(`${b.server.url}/v1/oauth-apps/${id}`, { headers: auth });
    expect(other.status).toBe(200);
  }, 30_000);
});
