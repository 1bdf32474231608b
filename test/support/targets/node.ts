// The Node server (@hono/node-server) on a fresh libSQL file per test file,
// migrated by the libSQL migrator, reached over real HTTP on a loopback port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApp } from '../../../src/app';
import { applyLibsqlMigrations } from '../../../src/db/ledger';
import { singlePrimaryEngine } from '../../../src/db/libsql';
import { libsqlNodeDatabase, openLibsqlClient } from '../../../src/db/libsql-node';
import type { Bindings } from '../../../src/env';
import { fileAssets } from '../../../src/node/file-assets';
import { memoryRateLimiter } from '../../../src/node/rate-limiter';
import { startNodeServer } from '../../../src/node/server';
import { runScheduled } from '../../../src/scheduled';
import { rawLibsqlDatabase } from '../raw-libsql';
import type { Target } from '../target';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-node-test-'));
const client = await openLibsqlClient({ url: `file:${join(dir, 'oauth-apps.db')}` });
await applyLibsqlMigrations(client);
const db = libsqlNodeDatabase(client);

// The same settings vitest.config.ts gives the Worker.
const env: Bindings = {
  ASSETS: fileAssets(),
  ENCRYPTION_KEYRING: JSON.stringify({ primary: 'test-k1', keys: { 'test-k1': randomBytes(32).toString('base64') } }),
  TOKEN_CACHE_TTL_SECONDS: '0',
  RATE_LIMITER: memoryRateLimiter(100_000, 60),
  PROVIDER_TOKEN_URLS: process.env.TEST_PROVIDER_TOKEN_URLS!,
};
const server = await startNodeServer({ db, env, port: 0, hostname: '127.0.0.1' });
// As the Node server builds it, but with each request's settings from its env (sendWithEnv).
const app = createApp(singlePrimaryEngine(db), { runtime: 'node' });

/** Closes the server and the database, and deletes the file (the setup file's afterAll). */
export async function stopNodeTarget(): Promise<void> {
  await server.close();
  client.close();
  rmSync(dir, { recursive: true, force: true });
}

export const target: Target = {
  name: 'node',
  bookmarks: false,
  env: {
    DB: rawLibsqlDatabase(client),
    ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING!,
    SMALL_RATE_LIMITER: memoryRateLimiter(3, 60),
    TEST_PROVIDERS: process.env.TEST_PROVIDERS!,
  },
  db,
  async send(request) {
    // The suite's requests name https://api.test; the server listens on loopback.
    const url = new URL(request.url);
    const body = await sameFraming(request.body);
    return fetch(`${server.url}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: 'manual',
      // @ts-expect-error: Node's fetch needs duplex for a streamed body; its RequestInit type lacks it
      duplex: 'half',
    });
  },
  sendWithEnv: async (request, overrides) => app.fetch(request, { ...env, ...overrides }),
  async runScheduled(now, overrides = {}) {
    await runScheduled(db, { ...env, ...overrides }, now);
  },
};

/**
 * A body built from a string or bytes (one chunk) goes with a Content-Length,
 * as clients send one; a body built as a stream of chunks goes chunked, with none.
 */
async function sameFraming(body: ReadableStream<Uint8Array> | null): Promise<BodyInit | undefined> {
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  if (chunks.length <= 1) return chunks[0] ?? new Uint8Array();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}
